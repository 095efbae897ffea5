// Mounts GraphiQL (with the explorer plugin) on #graphiql. Everything it loads
// is served by Leeto itself under /graphiql-assets/ (see graphiql/vendor.mjs).
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
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
