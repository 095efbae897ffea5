// Mounts GraphiQL (with the explorer plugin) on #graphiql. Everything it loads
// is served by Leeto itself under /graphiql-assets/ (see graphiql/vendor.mjs).
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = new URL(root.dataset.endpoint, window.location.href);
  // Subscriptions go over graphql-ws (bundled in graphiql.min.js) to the same
  // path; the fetcher passes the Headers tab as connectionParams, so the
  // Authorization header typed there signs the socket in too.
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";
  var send = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socket.href });
  // The fetcher picks HTTP or the socket from the document GraphiQL parsed last,
  // which lags the editor by a debounce: a subscription run right after typing
  // would go over HTTP. The text actually sent is parsed here instead.
  var fetcher = function (params, options) {
    var documentAST = options && options.documentAST;
    try {
      documentAST = GraphiQL.GraphQL.parse(params.query);
    } catch (error) {
      // Not parseable: the server answers with the syntax error.
    }
    return send(params, Object.assign({}, options, { documentAST: documentAST }));
  };
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      // The Headers tab is where `Authorization: Bearer <accessToken>` goes;
      // it starts open, and tokens are not kept in localStorage.
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }),
  );
})();
