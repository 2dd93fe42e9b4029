// Progressive enhancement of a form that posts a PDF straight to the uploads bucket.
//
// Without this file the form works as it is: a plain multipart POST to the bucket, whose signed
// `success_action_redirect` sends the browser back to the console with `key` in the query.
// With it, the same upload goes by XMLHttpRequest so a progress bar and a screen-reader
// announcement can follow it; on success the browser goes where S3 would have sent it.
//
// The form it looks for (the page renders it; this file only reads it):
//
//   <form data-upload data-upload-fields="{...the presigned POST's `fields`, JSON...}"
//         action="<the presigned POST's url>" method="post" enctype="multipart/form-data">
//     <input type="hidden" name="..." value="..."> (each of `form_fields`, with success_action_redirect)
//     <div class="govuk-form-group"> <label for="file">...</label>
//       <input type="file" id="file" name="file" accept="application/pdf"> </div>  (last field: S3 ignores later ones)
//     <button class="govuk-button">...</button>  (no name, so it is not a field)
//   </form>
//
// A script cannot post `form_fields`: S3 would answer 303 and XMLHttpRequest would follow it
// cross-origin. `data-upload-fields` is the same key signed without a redirect (S3 answers 204).
// Words come from the page (data-upload-text-*), so texts.py stays the one place for them;
// the English below is only the fallback. Optional: data-upload-max-bytes.

const TEXTS = {
  progressLabel: "Upload progress",
  sending: "Uploading: {percent}% sent",
  done: "Upload complete",
  errorTitle: "There is a problem",
  noFile: "Select a PDF file",
  notPdf: "The selected file must be a PDF",
  tooBig: "The selected file must be smaller than {max}",
  failed: "The file could not be uploaded. Try again, or reload the page if it keeps failing",
};

function text(form, name, values = {}) {
  const attribute = "uploadText" + name[0].toUpperCase() + name.slice(1);
  let words = form.dataset[attribute] || TEXTS[name];
  for (const [key, value] of Object.entries(values)) {
    words = words.replace("{" + key + "}", value);
  }
  return words;
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(0) + " MB";
}

function enhance(form) {
  const input = form.querySelector('input[type="file"][name="file"]');
  const redirect = form.elements.namedItem("success_action_redirect");
  let fields;
  try {
    fields = JSON.parse(form.dataset.uploadFields || "null");
  } catch {
    fields = null;
  }
  if (!input || !redirect || !fields || !fields.key || !window.FormData || !window.XMLHttpRequest) {
    return; // the plain form still works
  }
  if (!input.id) {
    input.id = "upload-file";
  }
  const buttons = Array.from(form.querySelectorAll("button, input[type=submit]"));
  const maxBytes = Number(form.dataset.uploadMaxBytes) || 0;

  // The live region exists before anything is said in it, or screen readers may not announce it.
  const status = document.createElement("div");
  status.className = "govuk-form-group";
  const label = document.createElement("label");
  label.className = "govuk-label";
  label.htmlFor = input.id + "-progress";
  label.textContent = text(form, "progressLabel");
  const bar = document.createElement("progress");
  bar.id = input.id + "-progress";
  bar.max = 100;
  bar.value = 0;
  bar.className = "board-upload-progress";
  const live = document.createElement("p");
  live.className = "govuk-body";
  live.setAttribute("aria-live", "polite");
  live.dataset.uploadStatus = "";
  const shown = document.createElement("div");
  shown.hidden = true;
  shown.append(label, bar);
  status.append(shown, live);
  const place = buttons[0] && (buttons[0].closest(".govuk-button-group") || buttons[0]);
  if (place) {
    place.before(status);
  } else {
    form.append(status);
  }
  let titled = false; // whether "Error: " in the title is ours to take away

  function busy(yes) {
    input.disabled = yes;
    for (const button of buttons) {
      button.disabled = yes;
    }
  }

  function clearError() {
    document.querySelectorAll("[data-upload-error]").forEach((node) => node.remove());
    const group = input.closest(".govuk-form-group");
    if (group) {
      group.classList.remove("govuk-form-group--error");
    }
    input.classList.remove("govuk-file-upload--error");
    const described = (input.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && id !== input.id + "-error");
    if (described.length) {
      input.setAttribute("aria-describedby", described.join(" "));
    } else {
      input.removeAttribute("aria-describedby");
    }
    if (titled) {
      document.title = document.title.replace(/^Error: /, "");
      titled = false;
    }
  }

  function showError(message) {
    clearError();
    shown.hidden = true;
    live.textContent = "";
    busy(false);

    const summary = document.createElement("div");
    summary.className = "govuk-error-summary";
    summary.dataset.uploadError = "";
    summary.tabIndex = -1;
    const alert = document.createElement("div");
    alert.setAttribute("role", "alert");
    const title = document.createElement("h2");
    title.className = "govuk-error-summary__title";
    title.textContent = text(form, "errorTitle");
    const body = document.createElement("div");
    body.className = "govuk-error-summary__body";
    const list = document.createElement("ul");
    list.className = "govuk-list govuk-error-summary__list";
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#" + input.id;
    link.textContent = message;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      input.focus();
    });
    item.append(link);
    list.append(item);
    body.append(list);
    alert.append(title, body);
    summary.append(alert);

    const field = document.createElement("p");
    field.className = "govuk-error-message";
    field.id = input.id + "-error";
    field.dataset.uploadError = "";
    const hidden = document.createElement("span");
    hidden.className = "govuk-visually-hidden";
    hidden.textContent = "Error: ";
    field.append(hidden, message);
    input.before(field);
    input.classList.add("govuk-file-upload--error");
    const group = input.closest(".govuk-form-group");
    if (group) {
      group.classList.add("govuk-form-group--error");
    }
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + field.id).trim());

    // Where GOV.UK puts it: first in the main content, above the form.
    const main = form.closest("main") || document.querySelector("main");
    const anchor = (main && main.querySelector(".govuk-grid-column-two-thirds, .govuk-grid-column-full")) || main;
    if (anchor) {
      anchor.prepend(summary);
    } else {
      form.before(summary);
    }
    if (!document.title.startsWith("Error: ")) {
      document.title = "Error: " + document.title;
      titled = true;
    }
    summary.focus();
  }

  function finished() {
    const next = new URL(redirect.value, window.location.href);
    next.searchParams.set("key", fields.key);
    live.textContent = text(form, "done");
    window.location.assign(next.href);
  }

  function send(file) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      body.append(name, value);
    }
    body.append("file", file); // last: S3 reads no field after the file
    const request = new XMLHttpRequest();
    let announced = -1;
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) {
        return;
      }
      const percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      // A screen reader hears a quarter at a time, not every percent.
      const quarter = Math.floor(percent / 25) * 25;
      if (quarter > announced) {
        announced = quarter;
        live.textContent = text(form, "sending", { percent: quarter });
      }
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        bar.value = 100;
        finished();
      } else {
        showError(text(form, "failed"));
      }
    });
    for (const failure of ["error", "abort", "timeout"]) {
      request.addEventListener(failure, () => showError(text(form, "failed")));
    }
    request.open("POST", form.getAttribute("action"));
    request.send(body);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) {
      showError(text(form, "noFile"));
      return;
    }
    if (file.type !== "application/pdf" && !/\.pdf$/i.test(file.name)) {
      showError(text(form, "notPdf"));
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      showError(text(form, "tooBig", { max: megabytes(maxBytes) }));
      return;
    }
    clearError();
    busy(true);
    bar.value = 0;
    shown.hidden = false;
    live.textContent = text(form, "sending", { percent: 0 });
    send(file);
  });
}

document.querySelectorAll("form[data-upload]").forEach(enhance);
