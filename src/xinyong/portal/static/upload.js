// The upload form of /staff/batches/new: the file is sent with a progress bar, then the platform checks
// every row (the status line says so); the answer is the batch's page, as without this script.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = document.getElementById("upload-submit");
  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) { return; }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    bar.hidden = false;
    status.hidden = false;
    status.textContent = status.dataset.sending;
    button.disabled = true;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value");              // indeterminate while the rows are checked
      status.textContent = status.dataset.checking;
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== form.action) {
        window.location.assign(request.responseURL);   // the batch's page (the redirect was followed)
      } else {
        document.open();
        document.write(request.responseText);            // the form again, with the reason it was refused
        document.close();
      }
    });
    request.addEventListener("error", function () { form.submit(); });
    request.send(new FormData(form));
  });
})();
