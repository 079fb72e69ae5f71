// The pages' little behaviour, kept out of the HTML so that the Content-Security-Policy can forbid inline script.
document.addEventListener("submit", (event) => {
  // search and filter forms: leave empty inputs out of the URL
  const form = event.target;
  if (!form.matches || !form.matches("form[data-drop-empty]")) return;
  for (const e of form.elements) { if (e.name && !e.value) e.disabled = true; }
});
document.addEventListener("input", (event) => {
  // colour picker: copy the picked colour into the text input next to it
  const picker = event.target;
  if (picker.matches && picker.matches("input[data-mirror-next]") && picker.nextElementSibling) {
    picker.nextElementSibling.value = picker.value;
  }
});
