import { assert, assertEquals, assertMatch, assertRejects, waitFor } from "../support/assert.ts";
import { AssetStore, buildAssets } from "../../lib/assets.ts";

/** A tiny project of its own: an islands entry, a stylesheet, a deno.json. */
async function project(entry: string, css: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "ircweb-assets-" });
  await Deno.mkdir(`${root}/islands`);
  await Deno.mkdir(`${root}/static`);
  await Deno.writeTextFile(`${root}/deno.json`, "{}\n");
  await Deno.writeTextFile(`${root}/islands/client.ts`, entry);
  await Deno.writeTextFile(`${root}/static/app.css`, css);
  return root;
}

Deno.test("assets: the bundle and the stylesheet get URLs from their content", async () => {
  const root = await project(
    `const n: number = 41;\nconsole.log("hydrated", n + 1);\n`,
    "body { margin: 0 }\n",
  );
  try {
    const first = await buildAssets(root);
    assertMatch(first.script.url, /^\/assets\/islands-[0-9a-f]{16}\.js$/);
    assertMatch(first.style.url, /^\/assets\/app-[0-9a-f]{16}\.css$/);
    const code = new TextDecoder().decode(first.script.body);
    assertMatch(code, /hydrated/);
    assert(!code.includes(": number"), "TypeScript is compiled away");
    const css = new TextDecoder().decode(first.style.body);
    assertMatch(css, /body \{ margin: 0 \}/);
    assertMatch(css, /\.irc-fg-4\{color:#ff0000\}/);

    const again = await buildAssets(root);
    assertEquals(
      [again.script.url, again.style.url],
      [first.script.url, first.style.url],
      "same content, same URLs",
    );

    const store = await AssetStore.build(root);
    await Deno.writeTextFile(`${root}/static/app.css`, "body { margin: 1px }\n");
    await store.rebuild();
    assertEquals(store.current.script.url, first.script.url, "an unchanged bundle keeps its URL");
    assert(store.current.style.url !== first.style.url, "a changed stylesheet gets a new URL");
    assertEquals(store.find(first.style.url), undefined, "the old stylesheet is gone");
    assertEquals(store.find(store.current.style.url), store.current.style);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("assets: a broken island stops the build with the bundler's reason, and the last good build stays", async () => {
  const root = await project(`console.log("ok");\n`, "");
  try {
    const store = await AssetStore.build(root);
    const good = store.current;
    await Deno.writeTextFile(
      `${root}/islands/client.ts`,
      `import { nothing } from "./missing.ts";\nnothing();\n`,
    );
    const error = await assertRejects(
      () => store.rebuild(),
      Error,
      "deno bundle of islands/client.ts failed",
    );
    assertMatch(error.message, /missing\.ts/);
    assertEquals(store.current, good);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("assets: watching (deno task dev) rebuilds after a change", async () => {
  const root = await project(`console.log("v1");\n`, "a { color: red }\n");
  const store = await AssetStore.build(root);
  try {
    const before = store.current.script.url;
    store.watch();
    // The watcher may start after the write: write until it notices.
    let version = 2;
    await waitFor(
      async () => {
        await Deno.writeTextFile(`${root}/islands/client.ts`, `console.log("v${version++}");\n`);
        await new Promise((r) => setTimeout(r, 300));
        return store.current.script.url !== before;
      },
      20_000,
      "a rebuild",
    );
    assertMatch(new TextDecoder().decode(store.current.script.body), /"v\d+"/);
  } finally {
    store.close();
    await Deno.remove(root, { recursive: true });
  }
});
