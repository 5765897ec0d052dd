// The Zapier app's entry, as `zapier push` and `require('./zapier')` load it. The app is compiled from zapier/src
// with the core it shares with the n8n node and the toolkit; `npm run build` copies both into zapier/dist.
module.exports = require('./dist/zapier/src').app;
