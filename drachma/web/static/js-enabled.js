// Runs first thing in <body>: tells GOV.UK Frontend's styles that JavaScript is on and that the
// browser can run its ES module (the same test GOV.UK's page template makes inline; Drachma's
// Content-Security-Policy allows no inline script, so it lives in this file).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
