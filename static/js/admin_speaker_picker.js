// The admin's searchable speaker picker (select2) shows a box of its own in place of the
// <select>, and gives it no name a screen reader can read: give it the select's label. The
// admin builds the boxes in a jQuery ready handler (run after the document is read, later
// than DOMContentLoaded); one registered after it runs after it.
function nameSpeakerPickers() {
  for (const select of document.querySelectorAll("select.admin-autocomplete")) {
    const label = document.querySelector(`label[for="${select.id}"]`);
    if (!label) continue;
    const name = label.textContent.trim();
    const boxes = select.parentElement.querySelectorAll(
      ".select2-selection, .select2-selection__rendered"
    );
    for (const box of boxes) box.setAttribute("aria-label", name);
  }
}

if (window.django && window.django.jQuery) {
  window.django.jQuery(nameSpeakerPickers);
} else {
  document.addEventListener("DOMContentLoaded", nameSpeakerPickers);
}
