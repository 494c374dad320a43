/* The applicant's pages: ask before irreversible actions (forms with data-confirm). No inline scripts (CSP). */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
