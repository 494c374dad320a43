/* The applicant's pages: ask before irreversible actions (forms with data-confirm). No inline scripts (CSP). */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

/* Upload forms (data-dropzone): several files at once, chosen with the file input (multiple) or dropped onto the
   form, sent in one request; the server checks each file. Without JavaScript the input alone still works. */
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function describe(form, files) {
    var hint = form.querySelector(".drop-hint");
    if (!hint) { return; }
    if (!files || !files.length) { hint.textContent = hint.getAttribute("data-empty") || hint.textContent; return; }
    var names = [];
    for (var i = 0; i < files.length; i++) { names.push(files[i].name); }
    hint.textContent = "已选择 " + files.length + " 个文件：" + names.join("、");
  }

  ready(function () {
    var forms = document.querySelectorAll("form[data-dropzone]");
    Array.prototype.forEach.call(forms, function (form) {
      var input = form.querySelector("input[type=file]");
      var hint = form.querySelector(".drop-hint");
      if (!input) { return; }
      if (hint) { hint.setAttribute("data-empty", hint.textContent); }
      input.addEventListener("change", function () { describe(form, input.files); });
      ["dragenter", "dragover"].forEach(function (name) {
        form.addEventListener(name, function (event) {
          event.preventDefault();
          form.classList.add("dragging");
        });
      });
      ["dragleave", "dragend"].forEach(function (name) {
        form.addEventListener(name, function (event) {
          if (event.target === form) { form.classList.remove("dragging"); }
        });
      });
      form.addEventListener("drop", function (event) {
        event.preventDefault();
        form.classList.remove("dragging");
        var files = event.dataTransfer && event.dataTransfer.files;
        if (!files || !files.length) { return; }
        try {
          input.files = files;  // a FileList from the drop is assignable to the input
        } catch (err) {
          var transfer = new DataTransfer();
          for (var i = 0; i < files.length; i++) { transfer.items.add(files[i]); }
          input.files = transfer.files;
        }
        describe(form, input.files);
      });
    });
  });
})();

/* "打印回执": buttons with data-print open the browser's print dialog (no inline onclick under the CSP). */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
