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
  const name = field.labels?.[0]?.firstChild?.textContent.trim() || "Text";
  if (status) status.textContent = `${name} copied.`;
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

// The search's filters. Without JavaScript they are a form with an "Apply filters" button, after
// the results on a narrow screen. With it, a checkbox applies at once, the focus comes back to it
// on the new page, and on a narrow screen the Filters control at the top opens them over the page.
const filters = document.getElementById("filters");
const FOCUS_KEY = "archive:focus";

function focusKey(element) {
  return element.dataset.focusKey || `${element.name}=${element.value}`;
}

function remember(element) {
  try {
    sessionStorage.setItem(FOCUS_KEY, focusKey(element));
  } catch {
    // Storage refused (a private window): the focus starts at the top, as without JavaScript.
  }
}

function remembered() {
  try {
    const key = sessionStorage.getItem(FOCUS_KEY);
    sessionStorage.removeItem(FOCUS_KEY);
    return key;
  } catch {
    return null;
  }
}

if (filters) {
  document.documentElement.classList.add("js-filters");
  const narrow = window.matchMedia("(max-width: 860px)");
  const link = document.querySelector(".filters-toggle");
  const close = filters.querySelector(".facets-close");
  const heading = document.getElementById("filters-heading");

  // The Filters link becomes a button that opens the filters (the link alone scrolls to them).
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = link.className;
  toggle.innerHTML = link.innerHTML;
  toggle.setAttribute("aria-controls", filters.id);
  toggle.setAttribute("aria-expanded", "false");
  link.replaceWith(toggle);

  // While the filters cover the page, the rest of it is out of reach of the keyboard and of
  // screen readers: every sibling of the filters and of each of their ancestors.
  function setRestInert(inert) {
    for (let node = filters; node && node !== document.body; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling !== node && sibling.tagName !== "SCRIPT") sibling.inert = inert;
      }
    }
  }

  function open(focusHeading = true) {
    filters.classList.add("open");
    toggle.setAttribute("aria-expanded", "true");
    setRestInert(true);
    if (focusHeading) heading.focus();
  }

  function shut() {
    if (!filters.classList.contains("open")) return;
    filters.classList.remove("open");
    toggle.setAttribute("aria-expanded", "false");
    setRestInert(false);
    toggle.focus();
  }

  toggle.addEventListener("click", () => open());
  close.addEventListener("click", shut);
  filters.addEventListener("keydown", (event) => {
    if (event.key === "Escape") shut();
    // Enter on a checkbox toggles it too, as Space does.
    if (event.key === "Enter" && event.target.matches("input[type=checkbox]")) {
      event.preventDefault();
      event.target.click();
    }
  });
  narrow.addEventListener("change", () => {
    if (!narrow.matches) shut();
  });

  filters.addEventListener("change", (event) => {
    if (!event.target.matches("input[type=checkbox]")) return;
    remember(event.target);
    filters.requestSubmit();
  });
  filters.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-focus-key]");
    if (link) remember(link);
  });
  // Empty dates stay out of the URL.
  filters.addEventListener("formdata", (event) => {
    for (const name of ["date_from", "date_to"]) {
      if (!event.formData.get(name)) event.formData.delete(name);
    }
  });

  // Back on the page after choosing: the focus where it was, the filters open again if they were.
  const key = remembered();
  if (key) {
    const chosen = [...filters.querySelectorAll("input[type=checkbox], a[data-focus-key]")].find(
      (element) => focusKey(element) === key,
    );
    if (chosen) {
      if (narrow.matches) open(false);
      chosen.focus();
    } else {
      document.getElementById("results").focus();
    }
  }
}

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
