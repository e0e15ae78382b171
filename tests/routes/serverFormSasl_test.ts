/**
 * The server form's SASL fields without JavaScript: a certificate made
 * through the form is stored with its key, the page then shows its
 * fingerprints for NickServ's CERT ADD and never the key, and EXTERNAL
 * without TLS is refused with the reason next to the form.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { certificateFingerprints } from "../../lib/clientCert.ts";
import { findServer } from "../../lib/servers.ts";
import { withApp } from "./testApp.ts";
import { postForm, sessionCookie } from "./pageSession.ts";

Deno.test("server form: a certificate made here is shown by its fingerprints, its key never", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const cookie = await sessionCookie(t, alice);
    const server = await t.server(alice, { nickname: "alice", tls: true, port: 6697 });
    const fields = {
      name: "Libera",
      host: "irc.libera.chat",
      port: "6697",
      tls: "on",
      nickname: "alice",
      sasl_mechanism: "EXTERNAL",
      require_sasl: "on",
    };
    // Without TLS, EXTERNAL cannot present the certificate: refused, saying so.
    const refused = await postForm(t, `/servers/${server.id}/edit`, cookie, {
      ...fields,
      tls: "",
      generate_client_cert: "on",
    });
    assertEquals(refused.status, 422);
    assertMatch(await refused.text(), /SASL EXTERNAL needs TLS: the certificate is presented there\./);

    const saved = await postForm(t, `/servers/${server.id}/edit`, cookie, {
      ...fields,
      generate_client_cert: "on",
    });
    assertEquals(saved.status, 303, await saved.text());
    const row = await findServer(t.database.db, server.id);
    assert(row?.client_cert_pem && row.client_key_pem, "a certificate and its key are stored");
    assertEquals([row.sasl_mechanism, row.require_sasl], ["EXTERNAL", true]);

    const form = await (await t.call(`/servers/${server.id}/edit`, { headers: { cookie } })).text();
    const { sha256, sha512 } = certificateFingerprints(row.client_cert_pem);
    // Shown with places to wrap (<wbr>), which copying leaves out.
    const text = form.replaceAll("<wbr/>", "");
    assertMatch(text, new RegExp(`/msg NickServ CERT ADD ${sha256}`));
    assert(text.includes(sha512), "the SHA-512 fingerprint is shown too");
    assert(!form.includes(row.client_key_pem.split("\n")[1]), "the key is never shown");
    assertMatch(form, /<option value="EXTERNAL" selected/);

    // Saved again without touching the certificate: it stays.
    assertEquals((await postForm(t, `/servers/${server.id}/edit`, cookie, fields)).status, 303);
    assertEquals((await findServer(t.database.db, server.id))?.client_cert_pem, row.client_cert_pem);
  });
});
