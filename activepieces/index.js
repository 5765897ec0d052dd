// The piece's entry, as Activepieces loads it (it takes the export that is a Piece). The piece is compiled from
// activepieces/src with the core it shares with the n8n node and the toolkit; `npm run build` copies both, and the
// few Node files it needs (undici's Http port, the private-address guard), into activepieces/dist.
module.exports = require('./dist/activepieces/src');
