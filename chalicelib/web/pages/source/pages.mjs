// Progressive enhancement only: every page works without this file.
// govuk-frontend's components (error summary focus, character counts) start here,
// under a Content-Security-Policy that allows no inline script.
import { initAll } from "GOVUK_FRONTEND";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
