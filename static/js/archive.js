// Small conveniences; every page works without them.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(".copied");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand("copy");
  }
  if (status) status.textContent = `${button.previousElementSibling.labels?.[0]?.textContent || "Text"} copied.`;
});

// "/" jumps to the search box, as on most search sites.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.target.matches("input, textarea")) return;
  const box = document.getElementById("q") || document.getElementById("header-q");
  if (box) {
    event.preventDefault();
    box.focus();
  }
});
