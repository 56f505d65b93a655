// Run as its own process (the step runs synchronously in the test's): a registry that answers as GHCR does under the
// Docker registry token scheme (distribution docs/spec/auth/token.md). A manifest HEAD without a token gets 401 and
// `WWW-Authenticate: Bearer realm=...,service=...,scope=...`; the realm gives a token for the expected basic
// credentials; with the token the HEAD answers the digest. (Debian's registry in token mode needs a JWT issuer; this
// stands in for GHCR at the HTTP level only.)
// Arguments: <digest> <base64 user:password> <repository path> <request log file>. Prints its port.
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

const [digest = "", basic = "", repository = "", log = ""] = process.argv.slice(2);
const token = "registry-token-0123";
const server = createServer((req, res) => {
  const host = req.headers.host ?? "";
  appendFileSync(
    log,
    `${req.method} ${(req.url ?? "").split("?")[0]} ${(req.headers.authorization ?? "-").split(" ")[0]}\n`,
  );
  if (req.url?.startsWith("/token?")) {
    const query = new URL(req.url, `http://${host}`).searchParams;
    const ok =
      req.headers.authorization === `Basic ${basic}` &&
      query.get("service") === host &&
      query.get("scope") === `repository:${repository}:pull`;
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(ok ? JSON.stringify({ token }) : "{}");
    return;
  }
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401, {
      "www-authenticate": `Bearer realm="http://${host}/token",service="${host}",scope="repository:${repository}:pull"`,
    });
    res.end();
    return;
  }
  res.writeHead(200, { "docker-content-digest": digest });
  res.end();
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
