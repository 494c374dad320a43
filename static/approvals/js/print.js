// Print buttons (no inline scripts: the CSP allows scripts from this host only).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
