import { assertEquals } from "../support/assert.ts";
import { localPath } from "../../routes/localPath.ts";

Deno.test("localPath keeps paths on this site, normalised", () => {
  for (
    const [next, expected] of [
      ["/servers/3", "/servers/3"],
      ["/servers/3/chat/%23ruby?x=1#end", "/servers/3/chat/%23ruby?x=1#end"],
      ["/a/../servers/3", "/servers/3"],
      // Encoded slashes stay encoded: the browser asks for that path, on this site.
      ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
      ["/%5C%5Cevil.example", "/%5C%5Cevil.example"],
    ]
  ) {
    assertEquals(localPath(next, "/fallback"), expected, next);
  }
});

Deno.test("localPath refuses whatever a browser would take to another site", () => {
  for (
    const next of [
      undefined,
      "",
      "servers/3",
      "//evil.example",
      "//evil.example/x",
      "///evil.example",
      "/\\evil.example",
      "/\\\\evil.example",
      "\\\\evil.example",
      "https://evil.example",
      "https:evil.example",
      "http:/evil.example",
      "javascript:alert(1)",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r\n/evil.example",
      " //evil.example",
      // Dot segments that resolve to a path starting with `//` or `/\`.
      "/..//evil.example",
      "/..//evil.example/phish?x=1",
      "/.//evil.example",
      "/a/..//evil.example",
      "/x/y/../..//evil.example",
      "/%2e%2e//evil.example",
      "/%2E%2E//evil.example",
      "/.%2e//evil.example",
      "/..\\/evil.example",
      "/../\\evil.example",
      "/./\\evil.example",
      "/..//\tevil.example",
      "/..\t//evil.example",
    ]
  ) {
    assertEquals(localPath(next, "/fallback"), "/fallback", JSON.stringify(next));
  }
});
