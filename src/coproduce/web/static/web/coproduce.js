// Progressive enhancement only: every page works without JavaScript.
// Loaded as a module, so browsers too old for GOV.UK Frontend's JavaScript never run it.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
