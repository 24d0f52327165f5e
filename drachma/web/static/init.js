// GOV.UK Frontend's progressive enhancement (error summary focus, details, service navigation
// menu on small screens). Every page works without it.
import { initAll } from './govuk-frontend.min.js'

initAll()
