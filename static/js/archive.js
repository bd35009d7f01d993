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

// A link to a turn of a long transcript made before it had pages (/meetings/SLUG/#u700) lands
// on its first page: go on to the page that holds the turn.
(() => {
  const transcript = document.querySelector(".transcript[data-turns-per-page]");
  const turn = /^#u(\d+)$/.exec(window.location.hash);
  if (!transcript || !turn || document.getElementById(`u${turn[1]}`)) return;
  if (Number(turn[1]) > Number(transcript.dataset.turnCount)) return;
  const page = Math.floor((Number(turn[1]) - 1) / Number(transcript.dataset.turnsPerPage)) + 1;
  const params = new URLSearchParams(window.location.search);
  if (params.get("page") === String(page)) return;
  params.set("page", page);
  window.location.replace(`?${params}${window.location.hash}`);
})();
