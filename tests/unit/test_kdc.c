/*
 * Tests of the kdc-groupcomm plugin: its handlers called directly with
 * fake peers, over the real store-sqlite (temporary file), alg-boringssl,
 * credfmt-ccs, pop-sign and appprofile-group-oscore plugins of the build
 * tree. Covers every resource and method of RFC 9594 section 4 with the
 * OSCORE profile's additions, their errors, an authorization matrix, the
 * Token Transfer extension, Sender ID uniqueness at scale and exhaustion,
 * and the checks of the group configuration at start.
 *
 * Without the appprofile plugin in the build tree the program prints
 * "skipped" and exits 77.
 */
#include <config.h>

#include "test_kdc_harness.h"

/* Ed25519 key pair and CCS of the Group OSCORE plugtest Group Manager. */
#define GM_KEY "d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb"
#define GM_CRED "a2026008a101a4010103272006215820" \
  "c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3"
/* A P-256 CCS (ES256), for a credential that does not fit EdDSA groups. */
#define P256_CRED "a2026008a101a5010203262001215820" \
  "2236658ca675bb62d7b24623db0453a3b90533b7c3b221cc1c2c73c4e919d540225820" \
  "770916bc4c97c3c46604f430b06170c7b3d6062633756628c31180fa3bb65a1b"

#define GM "gm_cred = \"" GM_CRED "\"; gm_key = \"" GM_KEY "\";"
/* The same P-256 key pair as a Group Manager of an ES256 group. */
#define P256_KEY "4a7b844a4c97ef91ed232aa564c9d5d373f2099647f9e9bd3fe6417a0d0f91ad"
#define GM_P256 "gm_cred = \"" P256_CRED "\"; gm_key = \"" P256_KEY "\";"

#define REQ GKDC_OSC_ROLE_REQUESTER
#define RSP GKDC_OSC_ROLE_RESPONDER
#define MON GKDC_OSC_ROLE_MONITOR
#define VER GKDC_OSC_ROLE_VERIFIER

/* The extended-scope tag of the OSCORE profile (RFC 9277 TN(297)). */
#define SCOPE_TAG 1668547115ULL

static char config_text[4096];

static void make_config(const char *groups)
{
  snprintf(config_text, sizeof(config_text),
           "plugin_config = {\n"
           "  store-sqlite = { path = \"%s/kdc.db\"; };\n"
           "  kdc-groupcomm = { groups = ( %s ); };\n"
           "};\n",
           h_dir, groups);
}

static const char *std_groups =
    "{ name = \"g1\"; " GM " },"
    "{ name = \"g2\"; mode = \"group-only\"; active = false; " GM " },"
    "{ name = \"tiny\"; max_sender_id_len = 1; rekey_on_leave = false; " GM " },"
    "{ name = \"big\"; rekey_on_leave = false; " GM " },"
    "{ name = \"es\"; sign_alg = -7; java_compatible = true; " GM_P256 " },"
    "{ name = \"esr\"; sign_alg = -7; " GM_P256 " },"
    "{ name = \"bs\"; rekey_on_join = true; " GM " }";

/* ---- clients ---- */

static unsigned client_seq;

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
  size_t n = 0;
  unsigned v;

  while (hex[0] != '\0' && hex[1] != '\0' && n < cap && sscanf(hex, "%2x", &v) == 1) {
    out[n++] = (uint8_t)v;
    hex += 2;
  }
  return n;
}

/* Writes the token's scope claim: bstr .cbor [* [name, roles]], tagged
 * with the extended-scope tag when `tagged`. */
static void scope_claim(struct h_client *cl, const char *const *names,
                        const uint64_t *roles, size_t n, int tagged)
{
  struct gkdc_cbor_enc e;
  size_t mark, i;

  gkdc_cbor_enc_init(&e, cl->scope, sizeof(cl->scope));
  if (tagged)
    gkdc_cbor_enc_put_tag(&e, SCOPE_TAG);
  mark = gkdc_cbor_enc_bstr_begin(&e);
  gkdc_cbor_enc_put_array(&e, n);
  for (i = 0; i < n; i++) {
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_tstr_z(&e, names[i]);
    gkdc_cbor_enc_put_uint(&e, roles[i]);
  }
  gkdc_cbor_enc_bstr_end(&e, mark);
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_enc_finish(&e, &cl->scope_len), GKDC_CBOR_OK);
}

/* Runs the Token Transfer hook for the client's token and keeps N_S.
 * `ask` 1 adds sign_info: null to the request map, 2 also ecdh_info: null.
 * Returns the number of pairs the KDC wrote; `entries` receives them. */
static size_t token_transfer(struct h_client *cl, int ask, uint8_t *entries,
                             size_t *entries_len)
{
  uint8_t map[16];
  size_t map_len = 0;
  struct gkdc_kdc_token_transfer tt;
  size_t count = 0;
  int err = 0;
  struct gkdc_cbor_dec d;
  size_t i;

  /* `ask` 1 requests sign_info, 2 also ecdh_info (OAuth key 47). */
  map[map_len++] = (uint8_t)(0xa0 + ask);
  if (ask >= 1) {
    map[map_len++] = 0x18;
    map[map_len++] = GKDC_OAUTH_SIGN_INFO;
    map[map_len++] = 0xf6;
  }
  if (ask == 2) {
    map[map_len++] = 0x18;
    map[map_len++] = GKDC_OSC_OAUTH_ECDH_INFO;
    map[map_len++] = 0xf6;
  }
  memset(&tt, 0, sizeof(tt));
  tt.size = sizeof(tt);
  tt.authz = &cl->authz;
  tt.request_map = map;
  tt.request_map_len = map_len;
  CU_ASSERT_FATAL(h_kdc_ops()->token_transfer(h_kdc.state, &tt, entries, entries_len,
                                              &count, &err) == 1);

  /* Read N_S from the pairs. */
  cl->n_s_len = 0;
  gkdc_cbor_dec_init_seq(&d, entries, *entries_len, NULL);
  for (i = 0; i < count; i++) {
    uint64_t key = 0;
    struct gkdc_bytes b;

    CU_ASSERT_FATAL(gkdc_cbor_dec_get_uint(&d, &key));
    if (key == GKDC_OAUTH_KDCCHALLENGE) {
      CU_ASSERT_FATAL(gkdc_cbor_dec_get_bstr(&d, &b));
      memcpy(cl->n_s, b.ptr, b.len);
      cl->n_s_len = b.len;
    } else {
      gkdc_cbor_dec_skip(&d);
    }
  }
  return count;
}

/* A fresh Ed25519 key pair and its CCS for `cl`. */
static void client_new_key(struct h_client *cl)
{
  static const uint8_t ccs_head[] = {0xa2, 0x02, 0x60, 0x08, 0xa1, 0x01, 0xa4, 0x01, 0x01,
                                     0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20};
  size_t priv_len = 32, pub_len = 32;

  CU_ASSERT_FATAL(gkdc_crypto_keygen(&h_crypto, GKDC_COSE_CRV_ED25519, cl->priv, &priv_len,
                                     cl->pub, &pub_len));
  memcpy(cl->cred, ccs_head, sizeof(ccs_head));
  memcpy(cl->cred + sizeof(ccs_head), cl->pub, 32);
  cl->cred_len = sizeof(ccs_head) + 32;
}

/* Makes a client with a fresh token granting `roles[i]` in `names[i]`,
 * stores the token and runs the Token Transfer. */
static void client_new_scope(struct h_client *cl, const char *const *names,
                             const uint64_t *roles, size_t n, int tagged)
{
  struct gkdc_store_token t;
  uint8_t entries[512];
  size_t entries_len = sizeof(entries);

  memset(cl, 0, sizeof(*cl));
  client_seq++;
  snprintf((char *)cl->token_id, sizeof(cl->token_id), "tok-%08u", client_seq);
  cl->token_id_len = strlen((char *)cl->token_id);
  scope_claim(cl, names, roles, n, tagged);

  cl->authz.size = sizeof(cl->authz);
  cl->authz.ace_profile = "coap_oscore";
  cl->authz.token_id.ptr = cl->token_id;
  cl->authz.token_id.len = cl->token_id_len;
  cl->authz.scope.ptr = cl->scope;
  cl->authz.scope.len = cl->scope_len;
  cl->authz.expires_at = h_now_value + 3600;
  cl->peer.size = sizeof(cl->peer);
  cl->peer.transport = GKDC_TRANSPORT_LOCAL;
  cl->peer.address = "test";
  cl->peer.authz = &cl->authz;

  client_new_key(cl);

  memset(&t, 0, sizeof(t));
  t.size = sizeof(t);
  t.token_id = cl->authz.token_id;
  t.ace_profile = "coap_oscore";
  t.scope = cl->authz.scope;
  t.raw = cl->authz.token_id;
  t.exp = cl->authz.expires_at;
  t.received = h_now_value;
  CU_ASSERT_FATAL(h_store_ops()->token_put(h_store.state, &t));
  token_transfer(cl, 0, entries, &entries_len);
}

static void client_new(struct h_client *cl, const char *group, uint64_t roles)
{
  client_new_scope(cl, &group, &roles, 1, 0);
}

/* ---- joining ---- */

enum join_mode {
  J_NORMAL = 0,   /* credential and PoP */
  J_EMPTY_CRED,   /* client_cred h'', no PoP (re-join) */
  J_NO_POP,       /* credential, no PoP */
  J_EMPTY_POP,    /* credential, PoP h'' */
  J_BAD_POP,      /* credential, PoP of other bytes */
  J_NO_CRED,      /* neither credential nor PoP */
  J_OTHER_CRED,   /* another key's credential, no PoP */
  J_P256_CRED,    /* a P-256 credential with a PoP by our key */
};

/* get_creds variants. */
#define GC_NONE 0
#define GC_NULL 1
#define GC_ROLES 2

static uint8_t join_buf[512];
static size_t join_len;

static void join_payload(struct h_client *cl, const char *group, uint64_t roles,
                         int mode, int get_creds)
{
  struct gkdc_cbor_enc e, se;
  uint8_t scope[64];
  size_t scope_len = 0;
  uint8_t n_c[8] = {1, 2, 3, 4, 5, 6, 7, (uint8_t)client_seq};
  uint8_t input[256];
  size_t input_len = sizeof(input);
  uint8_t sig[64];
  size_t sig_len = sizeof(sig);
  size_t mark, pairs = 2;
  struct gkdc_bytes sb, nsb, ncb;

  gkdc_cbor_enc_init(&se, scope, sizeof(scope));
  gkdc_cbor_enc_put_array(&se, 2);
  gkdc_cbor_enc_put_tstr_z(&se, group);
  gkdc_cbor_enc_put_uint(&se, roles);
  gkdc_cbor_enc_finish(&se, &scope_len);

  sb.ptr = scope;
  sb.len = scope_len;
  nsb.ptr = cl->n_s;
  nsb.len = cl->n_s_len;
  ncb.ptr = n_c;
  ncb.len = sizeof(n_c);
  CU_ASSERT_FATAL(gkdc_pop_input_client(sb, nsb, ncb, input, &input_len));
  CU_ASSERT_FATAL(gkdc_crypto_sign(&h_crypto, GKDC_COSE_ALG_EDDSA, cl->priv, 32, input,
                                   input_len, sig, &sig_len));

  gkdc_cbor_enc_init(&e, join_buf, sizeof(join_buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, scope, scope_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, n_c, sizeof(n_c));
  if (get_creds == GC_NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
    gkdc_cbor_enc_put_null(&e);
    pairs++;
  } else if (get_creds == GC_ROLES) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
    gkdc_cbor_enc_put_array(&e, 3);
    gkdc_cbor_enc_put_bool(&e, 1);
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_uint(&e, REQ);
    gkdc_cbor_enc_put_uint(&e, RSP);
    gkdc_cbor_enc_put_array(&e, 0);
    pairs++;
  }
  /* An unknown parameter, which the KDC ignores. */
  gkdc_cbor_enc_put_uint(&e, 200);
  gkdc_cbor_enc_put_tstr_z(&e, "ignored");
  pairs++;
  switch (mode) {
  case J_NORMAL:
  case J_EMPTY_POP:
  case J_BAD_POP:
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, cl->cred, cl->cred_len);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    if (mode == J_BAD_POP)
      sig[0] ^= 1;
    gkdc_cbor_enc_put_bstr(&e, sig, mode == J_EMPTY_POP ? 0 : sig_len);
    pairs += 2;
    break;
  case J_EMPTY_CRED:
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, NULL, 0);
    pairs++;
    break;
  case J_NO_POP:
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, cl->cred, cl->cred_len);
    pairs++;
    break;
  case J_OTHER_CRED: {
    uint8_t other[64];
    size_t n = hex2bin(GM_CRED, other, sizeof(other));

    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, other, n);
    pairs++;
    break;
  }
  case J_P256_CRED: {
    uint8_t other[128];
    size_t n = hex2bin(P256_CRED, other, sizeof(other));

    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, other, n);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    gkdc_cbor_enc_put_bstr(&e, sig, sig_len);
    pairs += 2;
    break;
  }
  default:
    break;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &join_len) == GKDC_CBOR_OK);
}

static char path_buf[256];

static const char *gpath(const char *group, const char *rest)
{
  snprintf(path_buf, sizeof(path_buf), "ace-group/%s%s%s", group, rest[0] ? "/" : "", rest);
  return path_buf;
}

static void join(struct h_client *cl, const char *group, uint64_t roles, int mode,
                 int get_creds, struct gkdc_response *r)
{
  join_payload(cl, group, roles, mode, get_creds);
  h_call(cl, GKDC_POST, gpath(group, ""), GKDC_CF_ACE_GROUPCOMM_CBOR, join_buf, join_len,
         r);
}

/* The group_SenderId (7) inside `key` of a response. */
static int key_sid(const struct gkdc_response *r, struct gkdc_bytes *sid)
{
  struct gkdc_cbor_dec d, v, w;

  return h_find(r, &d, GKDC_GC_KEY, &v) && gkdc_cbor_dec_enter_map(&v, NULL) &&
         gkdc_cbor_dec_map_find_int(&v, GKDC_OSC_KEY_GROUP_SENDERID, &w) &&
         gkdc_cbor_dec_get_bstr(&w, sid);
}

/* The node name from a Join Response's Location-Path. */
static const char *node_of(const struct gkdc_response *r)
{
  return r->location_count == 4 ? r->location[3] : "";
}

static char node_buf[8][64];

static void joined(struct h_client *cl, const char *group, uint64_t roles, int slot)
{
  struct gkdc_response r;

  join(cl, group, roles, roles == MON ? J_NO_CRED : J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  snprintf(node_buf[slot], sizeof(node_buf[slot]), "%s", node_of(&r));
  gkdc_response_clear(&r);
}

/* ---- suites ---- */

static int suite_init(void)
{
  if (!h_setup())
    return -1;
  make_config(std_groups);
  if (!h_start(config_text)) {
    fprintf(stderr, "the KDC did not start: %s\n", h_last_error);
    return -1;
  }
  return 0;
}

static int suite_clean(void)
{
  h_stop();
  h_teardown();
  return 0;
}

static void test_routes(void)
{
  size_t i;
  int root = 0, g1 = 0;

  for (i = 0; i < H_MAX_ROUTES; i++) {
    if (!h_routes[i].used)
      continue;
    if (strcmp(h_routes[i].path, "ace-group") == 0)
      root = 1;
    if (strcmp(h_routes[i].path, "ace-group/g1") == 0 &&
        (h_routes[i].flags & GKDC_ROUTE_PREFIX) && (h_routes[i].flags & GKDC_ROUTE_OBSERVABLE))
      g1 = 1;
  }
  CU_ASSERT(root);
  CU_ASSERT(g1);
}

static void test_token_transfer(void)
{
  struct h_client a, m;
  uint8_t entries[512];
  size_t len = sizeof(entries);
  struct gkdc_cbor_dec d;
  uint64_t key;
  struct gkdc_store_token *t = NULL;

  client_new(&a, "g1", REQ);
  CU_ASSERT_EQUAL(a.n_s_len, 8);
  CU_ASSERT_FATAL(h_store_ops()->token_get(h_store.state, a.token_id, a.token_id_len, &t));
  CU_ASSERT_EQUAL(t->kdcchallenge.len, 8);
  CU_ASSERT(t->kdcchallenge.len == 8 && memcmp(t->kdcchallenge.ptr, a.n_s, 8) == 0);
  h_store_ops()->record_free(h_store.state, t);

  /* sign_info on request: ["g1", -8, [1], [1, 6], 14]. */
  CU_ASSERT(token_transfer(&a, 1, entries, &len) >= 2);
  gkdc_cbor_dec_init_seq(&d, entries, len, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &key) && key == GKDC_OAUTH_SIGN_INFO);
  {
    static const uint8_t want[] = {0x81, 0x85, 0x62, 'g', '1', 0x27, 0x81, 0x01,
                                   0x82, 0x01, 0x06, 0x0e};
    struct gkdc_bytes raw;

    CU_ASSERT(gkdc_cbor_dec_get_raw(&d, &raw));
    CU_ASSERT(raw.len == sizeof(want) && memcmp(raw.ptr, want, sizeof(want)) == 0);
  }
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &key) && key == GKDC_OAUTH_KDCCHALLENGE);

  /* ecdh_info comes from the appprofile, after the KDC's pairs:
   * ["g1", -27, [1], [1, 4], 14]. */
  len = sizeof(entries);
  CU_ASSERT_EQUAL(token_transfer(&a, 2, entries, &len), 3);
  gkdc_cbor_dec_init_seq(&d, entries, len, NULL);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &key) && key == GKDC_OAUTH_SIGN_INFO);
  gkdc_cbor_dec_skip(&d);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &key) && key == GKDC_OAUTH_KDCCHALLENGE);
  gkdc_cbor_dec_skip(&d);
  CU_ASSERT(gkdc_cbor_dec_get_uint(&d, &key) && key == GKDC_OSC_OAUTH_ECDH_INFO);
  {
    static const uint8_t want[] = {0x81, 0x85, 0x62, 'g', '1', 0x38, 0x1a, 0x81, 0x01,
                                   0x82, 0x01, 0x04, 0x0e};
    struct gkdc_bytes raw;

    CU_ASSERT(gkdc_cbor_dec_get_raw(&d, &raw));
    CU_ASSERT(raw.len == sizeof(want) && memcmp(raw.ptr, want, sizeof(want)) == 0);
  }

  /* A monitor-only token gets no kdcchallenge. */
  client_new(&m, "g1", MON);
  CU_ASSERT_EQUAL(m.n_s_len, 0);
}

static void test_join_success(void)
{
  struct h_client a;
  struct gkdc_response r;
  struct gkdc_bytes sid, kdc_cred, nonce, sig;
  uint64_t v;
  uint8_t input[64];
  size_t input_len = sizeof(input);
  uint8_t gm_pub[32];
  struct gkdc_bytes ncb = {(const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07", 8};
  uint8_t n_c[8];

  client_new(&a, "g1", REQ | RSP);
  join(&a, "g1", REQ | RSP, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  CU_ASSERT_EQUAL(r.location_count, 4);
  CU_ASSERT_STRING_EQUAL(r.location[0], "ace-group");
  CU_ASSERT_STRING_EQUAL(r.location[1], "g1");
  CU_ASSERT_STRING_EQUAL(r.location[2], "nodes");
  CU_ASSERT(h_get_uint(&r, GKDC_GC_GKTY, &v) && v == GKDC_OSC_GKTY);
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &v) && v == 0);
  CU_ASSERT(h_get_uint(&r, GKDC_GC_ACE_GROUPCOMM_PROFILE, &v) && v == 1);
  CU_ASSERT(h_get_uint(&r, GKDC_GC_EXP, &v) && v > (uint64_t)h_now_value);
  CU_ASSERT(h_get_uint(&r, GKDC_GC_EXI, &v) && v > 0);
  CU_ASSERT(h_get_uint(&r, GKDC_GC_REKEYING_SCHEME, &v) && v == 0);
  CU_ASSERT(key_sid(&r, &sid) && sid.len >= 1);
  {
    struct gkdc_cbor_dec d, w;

    CU_ASSERT(h_find(&r, &d, GKDC_GC_GROUP_POLICIES, &w));
    CU_ASSERT(!h_find(&r, &d, GKDC_GC_CREDS, &w));
  }

  /* kdc_cred_verify is the GM's signature over N_C | N_KDC. */
  CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_GC_KDC_CRED, &kdc_cred));
  CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_GC_KDC_NONCE, &nonce));
  CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_GC_KDC_CRED_VERIFY, &sig));
  CU_ASSERT_EQUAL(kdc_cred.len, 48);
  memcpy(n_c, ncb.ptr, 7);
  n_c[7] = (uint8_t)client_seq;
  ncb.ptr = n_c;
  CU_ASSERT_FATAL(gkdc_pop_input_kdc(ncb, nonce, input, &input_len));
  hex2bin(GM_CRED + 32, gm_pub, 32);
  CU_ASSERT(gkdc_crypto_verify(&h_crypto, GKDC_COSE_ALG_EDDSA, gm_pub, 32, input, input_len,
                               sig.ptr, sig.len));

  /* The member is stored with its credential, bound to the token. */
  {
    struct gkdc_store_member *m = NULL;

    CU_ASSERT_FATAL(h_store_ops()->member_get_by_token(h_store.state, "g1", a.token_id,
                                                       a.token_id_len, &m));
    CU_ASSERT_STRING_EQUAL(m->node_name, node_of(&r));
    CU_ASSERT(m->cred.len == a.cred_len && memcmp(m->cred.ptr, a.cred, a.cred_len) == 0);
    CU_ASSERT(m->sender_id.len == sid.len && memcmp(m->sender_id.ptr, sid.ptr, sid.len) == 0);
    h_store_ops()->record_free(h_store.state, m);
  }
  gkdc_response_clear(&r);
}

static void expect(struct gkdc_response *r, uint8_t code, int error_id)
{
  CU_ASSERT_EQUAL(r->code, code);
  if (r->code != code)
    fprintf(stderr, "\n  got %d.%02d, expected %d.%02d\n", GKDC_CODE_CLASS(r->code),
            GKDC_CODE_DETAIL(r->code), GKDC_CODE_CLASS(code), GKDC_CODE_DETAIL(code));
  if (error_id != -2)
    CU_ASSERT_EQUAL(h_error_id(r), error_id);
  gkdc_response_clear(r);
}

static void test_join_errors(void)
{
  struct h_client a, b, other, mon;
  struct gkdc_response r;
  static const uint8_t junk[] = {0xa1, 0x03, 0x01}; /* scope as an integer */
  static const uint8_t broken[] = {0xa1, 0x03};

  client_new(&a, "g1", REQ);

  /* No token, an expired token. */
  join_payload(&a, "g1", REQ, J_NORMAL, GC_NONE);
  h_call(NULL, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, join_buf, join_len, &r);
  expect(&r, GKDC_CODE(4, 1), -1);
  a.authz.expires_at = h_now_value - 1;
  join(&a, "g1", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 1), -1);
  a.authz.expires_at = h_now_value + 3600;

  /* Content-Format, malformed CBOR, wrong types. */
  h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_CBOR, join_buf, join_len, &r);
  expect(&r, GKDC_CODE(4, 15), -1);
  h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, broken, sizeof(broken),
         &r);
  expect(&r, GKDC_CODE(4, 0), -1);
  h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, junk, sizeof(junk), &r);
  expect(&r, GKDC_CODE(4, 0), -1);

  /* Unknown group, group or role not in scope. */
  join(&a, "nope", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 4), -1);
  client_new(&other, "g2", REQ);
  join(&other, "g1", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 3), -1);
  join(&a, "g1", RSP, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 3), -1);
  /* Requester+Monitor is not a role set a node may join with. */
  {
    struct h_client rm;

    client_new(&rm, "g1", REQ | MON);
    join(&rm, "g1", REQ | MON, J_NORMAL, GC_NONE, &r);
    expect(&r, GKDC_CODE(4, 0), -2);
  }

  /* Inactive group. */
  join(&other, "g2", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE);

  /* PoP: invalid, empty; a credential that does not fit EdDSA. */
  join(&a, "g1", REQ, J_BAD_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP);
  join(&a, "g1", REQ, J_EMPTY_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP);
  join(&a, "g1", REQ, J_P256_CRED, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE);
  /* A newcomer without PoP. */
  join(&a, "g1", REQ, J_NO_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), -2);
  /* A get_creds that is not [true, roles, []]. */
  {
    static const uint8_t gc_false[] = {0x83, 0xf4, 0x81, 0x02, 0x80};
    struct gkdc_cbor_enc e;
    size_t mark;

    join_payload(&a, "g1", REQ, J_NORMAL, GC_NONE);
    /* Re-encode with a bad get_creds added. */
    {
      uint8_t buf[600];
      size_t len;

      gkdc_cbor_enc_init(&e, buf, sizeof(buf));
      mark = gkdc_cbor_enc_map_begin(&e);
      gkdc_cbor_enc_put_raw(&e, join_buf + 1, join_len - 1);
      gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
      gkdc_cbor_enc_put_raw(&e, gc_false, sizeof(gc_false));
      gkdc_cbor_enc_map_end(&e, mark, (size_t)(join_buf[0] & 0x1f) + 1);
      CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
      h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
      expect(&r, GKDC_CODE(4, 0), -1);
    }
  }

  /* N_S gone: 4.00 in CF 261 with a fresh kdcchallenge; the retry works. */
  client_new(&b, "g1", REQ);
  CU_ASSERT(h_store_ops()->token_set_kdcchallenge(h_store.state, b.token_id, b.token_id_len,
                                                  NULL, 0));
  join(&b, "g1", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  {
    struct gkdc_bytes ns;
    struct gkdc_cbor_dec d, w;

    CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_GC_KDCCHALLENGE, &ns));
    CU_ASSERT_EQUAL(ns.len, 8);
    memcpy(b.n_s, ns.ptr, ns.len);
    b.n_s_len = ns.len;
    CU_ASSERT(h_find(&r, &d, GKDC_GC_SIGN_INFO, &w));
  }
  gkdc_response_clear(&r);
  join(&b, "g1", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(2, 1), -2);

  /* An empty Join Request elicits the same 4.00. */
  h_call(&b, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  gkdc_response_clear(&r);

  /* A monitor joins without credential and gets no Sender ID. */
  client_new(&mon, "g1", MON);
  join(&mon, "g1", MON, J_NO_CRED, GC_NONE, &r);
  {
    struct gkdc_bytes sid;

    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
    CU_ASSERT(!key_sid(&r, &sid));
  }
  gkdc_response_clear(&r);
}

static void test_rejoin(void)
{
  struct h_client a;
  struct gkdc_response r;
  struct gkdc_bytes sid;
  uint8_t first[8];
  size_t first_len;
  char node[64];

  client_new(&a, "g1", REQ | RSP);
  join(&a, "g1", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(key_sid(&r, &sid));
  memcpy(first, sid.ptr, sid.len);
  first_len = sid.len;
  snprintf(node, sizeof(node), "%s", node_of(&r));
  gkdc_response_clear(&r);

  /* h'' and no PoP: the stored credential; 2.04, same node, new Sender ID. */
  join(&a, "g1", REQ | RSP, J_EMPTY_CRED, GC_NULL, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT_STRING_EQUAL(node_of(&r), node);
  CU_ASSERT_FATAL(key_sid(&r, &sid));
  CU_ASSERT(!(sid.len == first_len && memcmp(sid.ptr, first, first_len) == 0));
  {
    /* get_creds null: only relevant credentials, never the joiner's own. */
    struct gkdc_cbor_dec d, w;
    size_t n = 99;

    CU_ASSERT(h_find(&r, &d, GKDC_GC_CREDS, &w) && gkdc_cbor_dec_enter_array(&w, &n));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_PEER_ROLES, &w));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_PEER_IDENTIFIERS, &w));
  }
  gkdc_response_clear(&r);

  /* The old Sender ID is in the current stale set. */
  {
    struct gkdc_store_group *g = NULL;
    int used = 0;

    CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
    CU_ASSERT(h_store_ops()->sid_is_used(h_store.state, "g1", first, first_len, &used) &&
              used);
    h_store_ops()->record_free(h_store.state, g);
  }

  /* The same credential again without PoP is fine; another one is not. */
  join(&a, "g1", REQ, J_NO_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(2, 4), -2);
  join(&a, "g1", REQ, J_OTHER_CRED, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), -2);
  /* An empty PoP refers to the stored credential, whose possession the
   * KDC proved at the first join; for any other credential it is 4.00
   * with error 3 (OSCORE profile, section 6.2). */
  join(&a, "g1", REQ, J_EMPTY_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(2, 4), -1);
  client_new_key(&a);
  join(&a, "g1", REQ, J_EMPTY_POP, GC_NONE, &r);
  expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP);
  /* With its PoP the new credential replaces the stored one. */
  join(&a, "g1", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(2, 4), -1);
}

/* A helper for requests with a CBOR body. */
static void call(struct h_client *cl, uint32_t method, const char *path, int32_t cf,
                 const uint8_t *p, size_t n, struct gkdc_response *r)
{
  h_call(cl, method, path, cf, p, n, r);
}

static void test_resources(void)
{
  struct h_client a, b, mon, nm, ver;
  struct gkdc_response r;
  uint64_t v;
  char pa[128], pb[128];

  client_new(&a, "g1", REQ | RSP);
  joined(&a, "g1", REQ | RSP, 0);
  client_new(&b, "g1", RSP);
  joined(&b, "g1", RSP, 1);
  client_new(&mon, "g1", MON);
  joined(&mon, "g1", MON, 2);
  client_new(&nm, "g1", REQ);
  client_new(&ver, "g1", VER);
  snprintf(pa, sizeof(pa), "ace-group/g1/nodes/%s", node_buf[0]);
  snprintf(pb, sizeof(pb), "ace-group/g1/nodes/%s", node_buf[1]);

  /* GET group: members only. */
  call(&a, GKDC_GET, "ace-group/g1", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  {
    struct gkdc_bytes sid;

    CU_ASSERT(!key_sid(&r, &sid));
  }
  gkdc_response_clear(&r);
  call(&nm, GKDC_GET, "ace-group/g1", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);
  call(&a, GKDC_PUT, "ace-group/g1", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 5), -1);
  call(&a, GKDC_GET, "ace-group/g1/unknown", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 4), -1);

  /* /num and /active: bare CBOR, CF 60. */
  call(&a, GKDC_GET, "ace-group/g1/num", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_CBOR);
  CU_ASSERT(r.payload_len == 1 && r.payload[0] == 0x00);
  gkdc_response_clear(&r);
  call(&a, GKDC_GET, "ace-group/g1/active", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT(r.code == GKDC_CODE(2, 5) && r.content_format == GKDC_CF_CBOR &&
            r.payload_len == 1 && r.payload[0] == 0xf5);
  gkdc_response_clear(&r);
  call(&nm, GKDC_GET, "ace-group/g1/num", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);

  /* /policies. */
  call(&a, GKDC_GET, "ace-group/g1/policies", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  {
    struct gkdc_cbor_dec d, w, x;
    uint64_t kci = 0;

    CU_ASSERT(h_find(&r, &d, GKDC_GC_GROUP_POLICIES, &w) && gkdc_cbor_dec_enter_map(&w, NULL) &&
              gkdc_cbor_dec_map_find_int(&w, 1, &x) && gkdc_cbor_dec_get_uint(&x, &kci) &&
              kci == 3600);
  }
  gkdc_response_clear(&r);

  /* /creds GET and FETCH. */
  call(&a, GKDC_GET, "ace-group/g1/creds", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &v));
  gkdc_response_clear(&r);
  {
    /* Responders only: B (and A), never the monitor. */
    static const uint8_t f_rsp[] = {0xa1, 0x04, 0x83, 0xf5, 0x81, 0x04, 0x80};
    static const uint8_t f_empty[] = {0xa1, 0x04, 0x83, 0xf5, 0x80, 0x80};
    static const uint8_t f_type[] = {0xa1, 0x04, 0x83, 0x01, 0x81, 0x04, 0x80};
    struct gkdc_cbor_dec d, w;
    size_t n = 0;

    call(&a, GKDC_FETCH, "ace-group/g1/creds", GKDC_CF_ACE_GROUPCOMM_CBOR, f_rsp,
         sizeof(f_rsp), &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_PEER_ROLES, &w) && gkdc_cbor_dec_enter_array(&w, &n));
    while (n-- > 0) {
      uint64_t role = 0;

      CU_ASSERT(gkdc_cbor_dec_get_uint(&w, &role) && (role & RSP));
    }
    gkdc_response_clear(&r);
    call(&a, GKDC_FETCH, "ace-group/g1/creds", GKDC_CF_ACE_GROUPCOMM_CBOR, f_empty,
         sizeof(f_empty), &r);
    expect(&r, GKDC_CODE(4, 0), -1);
    call(&a, GKDC_FETCH, "ace-group/g1/creds", GKDC_CF_ACE_GROUPCOMM_CBOR, f_type,
         sizeof(f_type), &r);
    expect(&r, GKDC_CODE(4, 0), -1);
    call(&a, GKDC_FETCH, "ace-group/g1/creds", GKDC_CF_CBOR, f_rsp, sizeof(f_rsp), &r);
    expect(&r, GKDC_CODE(4, 15), -1);
  }

  /* id_filter: everyone but A, and 300 unknown ids are ignored. */
  {
    struct gkdc_response ra;
    struct gkdc_bytes sid;
    uint8_t buf[2048];
    struct gkdc_cbor_enc e;
    size_t len, n = 0, i;
    struct gkdc_cbor_dec d, w;

    call(&a, GKDC_GET, pa, GKDC_CF_NONE, NULL, 0, &ra);
    CU_ASSERT_FATAL(key_sid(&ra, &sid));
    gkdc_cbor_enc_init(&e, buf, sizeof(buf));
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
    gkdc_cbor_enc_put_array(&e, 3);
    gkdc_cbor_enc_put_bool(&e, 0);
    gkdc_cbor_enc_put_array(&e, 0);
    gkdc_cbor_enc_put_array(&e, 301);
    gkdc_cbor_enc_put_bstr(&e, sid.ptr, sid.len);
    for (i = 0; i < 300; i++) {
      uint8_t unknown[4] = {0xfe, 0xed, (uint8_t)(i >> 8), (uint8_t)i};

      gkdc_cbor_enc_put_bstr(&e, unknown, sizeof(unknown));
    }
    CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
    call(&a, GKDC_FETCH, "ace-group/g1/creds", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_PEER_IDENTIFIERS, &w) &&
              gkdc_cbor_dec_enter_array(&w, &n) && n >= 1);
    for (i = 0; i < n; i++) {
      struct gkdc_bytes id;

      CU_ASSERT(gkdc_cbor_dec_get_bstr(&w, &id) &&
                !(id.len == sid.len && memcmp(id.ptr, sid.ptr, sid.len) == 0));
    }
    gkdc_response_clear(&r);
    gkdc_response_clear(&ra);
  }

  /* /kdc-cred GET for members, FETCH for verifiers. */
  call(&a, GKDC_GET, "ace-group/g1/kdc-cred", GKDC_CF_NONE, NULL, 0, &r);
  {
    struct gkdc_bytes x;

    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(h_get_bstr(&r, GKDC_GC_KDC_CRED, &x) && h_get_bstr(&r, GKDC_GC_KDC_NONCE, &x) &&
              h_get_bstr(&r, GKDC_GC_KDC_CRED_VERIFY, &x) && x.len == 64);
  }
  gkdc_response_clear(&r);
  {
    static const uint8_t cn[] = {0xa1, 0x06, 0x48, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t cn_bad[] = {0xa1, 0x06, 0x01};

    call(&ver, GKDC_FETCH, "ace-group/g1/kdc-cred", GKDC_CF_ACE_GROUPCOMM_CBOR, cn,
         sizeof(cn), &r);
    expect(&r, GKDC_CODE(2, 5), -1);
    call(&ver, GKDC_FETCH, "ace-group/g1/kdc-cred", GKDC_CF_ACE_GROUPCOMM_CBOR, cn_bad,
         sizeof(cn_bad), &r);
    expect(&r, GKDC_CODE(4, 0), -1);
    call(&a, GKDC_FETCH, "ace-group/g1/kdc-cred", GKDC_CF_ACE_GROUPCOMM_CBOR, cn,
         sizeof(cn), &r);
    expect(&r, GKDC_CODE(4, 3), GKDC_OSC_ERR_ONLY_VERIFIERS);
  }

  /* Node resources: own only. */
  call(&a, GKDC_GET, pa, GKDC_CF_NONE, NULL, 0, &r);
  {
    struct gkdc_bytes sid;

    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(key_sid(&r, &sid));
  }
  gkdc_response_clear(&r);
  call(&a, GKDC_GET, pb, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), -2);
  call(&nm, GKDC_GET, pa, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);

  /* Key renewal: 2.04, CF 261, {21: new Sender ID}. */
  call(&a, GKDC_POST, pa, GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  {
    struct gkdc_bytes sid;

    CU_ASSERT(h_get_bstr(&r, GKDC_OSC_GROUP_SENDERID, &sid) && sid.len >= 1);
  }
  gkdc_response_clear(&r);
  {
    char pm[128];

    snprintf(pm, sizeof(pm), "ace-group/g1/nodes/%s", node_buf[2]);
    call(&mon, GKDC_POST, pm, GKDC_CF_NONE, NULL, 0, &r);
    expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_ROLES_INCONSISTENT);
  }

  /* Credential upload with PoP over the latest join scope, N_S, new N_C. */
  {
    uint8_t scope[16];
    struct gkdc_cbor_enc e;
    size_t scope_len, input_len, sig_len = 64, len;
    uint8_t input[128], sig[64], buf[256];
    uint8_t n_c[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    struct gkdc_bytes sb, nsb, ncb;

    client_new_key(&a);
    gkdc_cbor_enc_init(&e, scope, sizeof(scope));
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_tstr_z(&e, "g1");
    gkdc_cbor_enc_put_uint(&e, REQ | RSP);
    gkdc_cbor_enc_finish(&e, &scope_len);
    sb.ptr = scope;
    sb.len = scope_len;
    nsb.ptr = a.n_s;
    nsb.len = a.n_s_len;
    ncb.ptr = n_c;
    ncb.len = 8;
    input_len = sizeof(input);
    CU_ASSERT_FATAL(gkdc_pop_input_client(sb, nsb, ncb, input, &input_len));
    CU_ASSERT_FATAL(gkdc_crypto_sign(&h_crypto, GKDC_COSE_ALG_EDDSA, a.priv, 32, input,
                                     input_len, sig, &sig_len));
    gkdc_cbor_enc_init(&e, buf, sizeof(buf));
    gkdc_cbor_enc_put_map(&e, 3);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, a.cred, a.cred_len);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
    gkdc_cbor_enc_put_bstr(&e, n_c, 8);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    gkdc_cbor_enc_put_bstr(&e, sig, sig_len);
    gkdc_cbor_enc_finish(&e, &len);
    snprintf(path_buf, sizeof(path_buf), "%s/cred", pa);
    call(&a, GKDC_POST, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    expect(&r, GKDC_CODE(2, 4), -1);
    buf[len - 1] ^= 1;
    call(&a, GKDC_POST, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP);
    call(&a, GKDC_POST, path_buf, GKDC_CF_CBOR, buf, len, &r);
    expect(&r, GKDC_CODE(4, 15), -1);
    snprintf(path_buf, sizeof(path_buf), "%s/cred", pb);
    call(&a, GKDC_POST, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    expect(&r, GKDC_CODE(4, 3), -2);
  }

  /* Root FETCH: the current Gid of g1 maps to its name; unknown ones not. */
  {
    struct gkdc_store_group *g = NULL;
    uint8_t buf[64];
    struct gkdc_cbor_enc e;
    size_t len;
    struct gkdc_cbor_dec d, w;
    struct gkdc_bytes name;

    CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
    gkdc_cbor_enc_init(&e, buf, sizeof(buf));
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GID);
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_bstr(&e, g->gid.ptr, g->gid.len);
    gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\xde\xad\xbe\xef\x00", 5);
    gkdc_cbor_enc_finish(&e, &len);
    h_store_ops()->record_free(h_store.state, g);
    call(&ver, GKDC_FETCH, "ace-group", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_GNAME, &w) && gkdc_cbor_dec_enter_array(&w, NULL) &&
              gkdc_cbor_dec_get_tstr(&w, &name) && name.len == 2 &&
              memcmp(name.ptr, "g1", 2) == 0 && gkdc_cbor_dec_at_end(&w));
    CU_ASSERT(h_find(&r, &d, GKDC_GC_GURI, &w));
    gkdc_response_clear(&r);
    call(&ver, GKDC_FETCH, "ace-group", GKDC_CF_ACE_GROUPCOMM_CBOR, NULL, 0, &r);
    expect(&r, GKDC_CODE(4, 0), -1);
    call(NULL, GKDC_FETCH, "ace-group", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    expect(&r, GKDC_CODE(4, 1), -1);
    call(&ver, GKDC_GET, "ace-group", GKDC_CF_NONE, NULL, 0, &r);
    expect(&r, GKDC_CODE(4, 5), -1);
  }

  /* Leave: 2.02, then the node resource is gone for it. */
  call(&b, GKDC_DELETE, pb, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(2, 2), -1);
  call(&b, GKDC_GET, pb, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);
  /* The leave rekeyed g1 (forward security). */
  call(&a, GKDC_GET, "ace-group/g1/num", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT(r.payload_len == 1 && r.payload[0] >= 0x01);
  gkdc_response_clear(&r);
}

static void test_inactive_group(void)
{
  struct h_client a;
  struct gkdc_response r;
  int err = 0;
  char pa[128];

  client_new(&a, "g2", REQ | RSP);
  CU_ASSERT_FATAL(h_kdc_ops()->group_set_status(h_kdc.state, "g2", GKDC_GROUP_ACTIVE, &err));
  joined(&a, "g2", REQ | RSP, 3);
  snprintf(pa, sizeof(pa), "ace-group/g2/nodes/%s", node_buf[3]);
  CU_ASSERT_FATAL(
      h_kdc_ops()->group_set_status(h_kdc.state, "g2", GKDC_GROUP_INACTIVE, &err));
  CU_ASSERT(strstr(h_last_notify, "g2/active") != NULL);

  call(&a, GKDC_GET, "ace-group/g2/active", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT(r.code == GKDC_CODE(2, 5) && r.payload_len == 1 && r.payload[0] == 0xf4);
  gkdc_response_clear(&r);
  call(&a, GKDC_POST, pa, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE);
  snprintf(path_buf, sizeof(path_buf), "%s/cred", pa);
  call(&a, GKDC_POST, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, (const uint8_t *)"\xa0", 1, &r);
  expect(&r, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE);
  join(&a, "g2", REQ | RSP, J_EMPTY_CRED, GC_NONE, &r);
  expect(&r, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE);
  {
    /* A first join too, and nothing is stored for it. */
    struct h_client n;
    struct gkdc_store_member *m = NULL;

    client_new(&n, "g2", REQ);
    join(&n, "g2", REQ, J_NORMAL, GC_NONE, &r);
    expect(&r, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE);
    CU_ASSERT(!h_store_ops()->member_get_by_token(h_store.state, "g2", n.token_id,
                                                  n.token_id_len, &m));
  }
  /* Other resources still respond. */
  call(&a, GKDC_GET, "ace-group/g2", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(2, 5), -1);
  call(&a, GKDC_GET, "ace-group/g2/num", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(2, 5), -1);
}

static void test_stale_sids(void)
{
  struct h_client a, b, nm;
  struct gkdc_response r;
  int err = 0;
  uint8_t req[9];
  struct gkdc_bytes old_sid;
  uint8_t old[8];
  size_t old_len;
  uint64_t num = 0;

  client_new(&a, "tiny", REQ);
  joined(&a, "tiny", REQ, 4);
  client_new(&b, "tiny", REQ);
  join(&b, "tiny", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_FATAL(key_sid(&r, &old_sid));
  memcpy(old, old_sid.ptr, old_sid.len);
  old_len = old_sid.len;
  gkdc_response_clear(&r);
  client_new(&nm, "tiny", REQ);

  /* Re-join of b: its old Sender ID is stale in version V; rekey to V+1. */
  join(&b, "tiny", REQ, J_EMPTY_CRED, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  gkdc_response_clear(&r);
  call(&a, GKDC_GET, "ace-group/tiny/num", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT(r.payload_len == 1);
  num = r.payload[0];
  gkdc_response_clear(&r);
  CU_ASSERT_FATAL(h_kdc_ops()->rekey(h_kdc.state, "tiny", GKDC_REKEY_ADMIN, &err));
  CU_ASSERT(strcmp(h_last_notify, "ace-group/tiny") == 0);

  /* An observer of the group resource gets the rekeying message with
   * stale_node_ids: the stale set of the replaced version. */
  h_next_observe = GKDC_OBSERVE_REGISTER;
  call(&a, GKDC_GET, "ace-group/tiny", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  {
    struct gkdc_cbor_dec d, w;
    struct gkdc_bytes id;
    size_t n = 0;

    CU_ASSERT(h_find(&r, &d, GKDC_OSC_STALE_NODE_IDS, &w) &&
              gkdc_cbor_dec_enter_array(&w, &n) && n == 1 && gkdc_cbor_dec_get_bstr(&w, &id) &&
              id.len == old_len && memcmp(id.ptr, old, old_len) == 0);
  }
  gkdc_response_clear(&r);
  call(&a, GKDC_GET, "ace-group/tiny", GKDC_CF_NONE, NULL, 0, &r);
  {
    struct gkdc_cbor_dec d, w;

    CU_ASSERT(!h_find(&r, &d, GKDC_OSC_STALE_NODE_IDS, &w));
  }
  gkdc_response_clear(&r);

  req[0] = (uint8_t)num;
  call(&a, GKDC_FETCH, "ace-group/tiny/stale-sids", GKDC_CF_CBOR, req, 1, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_CBOR);
  CU_ASSERT(r.payload_len == 2 + old_len && r.payload[0] == 0x81 &&
            memcmp(r.payload + 2, old, old_len) == 0);
  gkdc_response_clear(&r);

  /* Not older than the current version, not a uint, a non-member. */
  req[0] = (uint8_t)(num + 1);
  call(&a, GKDC_FETCH, "ace-group/tiny/stale-sids", GKDC_CF_CBOR, req, 1, &r);
  expect(&r, GKDC_CODE(4, 0), -1);
  call(&a, GKDC_FETCH, "ace-group/tiny/stale-sids", GKDC_CF_CBOR, (const uint8_t *)"\x20",
       1, &r);
  expect(&r, GKDC_CODE(4, 0), -1);
  req[0] = (uint8_t)num;
  call(&nm, GKDC_FETCH, "ace-group/tiny/stale-sids", GKDC_CF_CBOR, req, 1, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);

  /* A gap larger than the stored sets (3): 2.05 without payload. */
  CU_ASSERT(h_kdc_ops()->rekey(h_kdc.state, "tiny", GKDC_REKEY_ADMIN, &err));
  CU_ASSERT(h_kdc_ops()->rekey(h_kdc.state, "tiny", GKDC_REKEY_ADMIN, &err));
  CU_ASSERT(h_kdc_ops()->rekey(h_kdc.state, "tiny", GKDC_REKEY_ADMIN, &err));
  call(&a, GKDC_FETCH, "ace-group/tiny/stale-sids", GKDC_CF_CBOR, req, 1, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(r.payload_len, 0);
  gkdc_response_clear(&r);
}

/* With 1-byte Sender IDs, a Join or a Key Renewal after the 256th Sender ID
 * under the current Gid is refused with 5.03 and error 4. */
static void test_exhaustion(void)
{
  struct gkdc_response r;
  struct h_client first;
  char path[96];
  size_t joined_ok = 0;
  int refused = 0;
  size_t i;

  /* The members of "tiny" (from the stale Sender ID test) hold two
   * Sender IDs under the current Gid. */
  for (i = 0; i < 300 && !refused; i++) {
    struct h_client c;

    client_new(&c, "tiny", REQ);
    join(&c, "tiny", REQ, J_NORMAL, GC_NONE, &r);
    if (r.code == GKDC_CODE(5, 3)) {
      CU_ASSERT_EQUAL(h_error_id(&r), GKDC_GC_ERR_NO_INDIVIDUAL_KEYS);
      refused = 1;
    } else {
      CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
      if (joined_ok == 0) {
        first = c;
        first.authz.token_id.ptr = first.token_id;
        first.authz.scope.ptr = first.scope;
        first.peer.authz = &first.authz;
        snprintf(path, sizeof(path), "ace-group/tiny/nodes/%s", node_of(&r));
      }
      joined_ok++;
    }
    gkdc_response_clear(&r);
  }
  CU_ASSERT(refused);
  CU_ASSERT_EQUAL(joined_ok, 254);

  /* A Key Renewal finds no Sender ID either. */
  h_call(&first, GKDC_POST, path, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(5, 3), GKDC_GC_ERR_NO_INDIVIDUAL_KEYS);
}

/* ---- Sender IDs never repeat under one Gid ---- */

static int cmp_sid(const void *a, const void *b)
{
  return memcmp(a, b, 8);
}

static void test_sender_id_scale(void)
{
  size_t total = gkdc_test_scaled(10000, 300);
  size_t cap = total + 8;
  uint8_t(*seen)[8] = calloc(cap, 8);
  struct h_client *cl = calloc(total, sizeof(*cl));
  char(*nodes)[32] = calloc(total, 32);
  size_t nseen = 0, nclients = 0, i;
  struct gkdc_store_group *g0 = NULL, *g1 = NULL;

  CU_ASSERT_FATAL(seen != NULL && cl != NULL && nodes != NULL);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "big", &g0));

  for (i = 0; i < total; i++) {
    struct gkdc_response r;
    struct gkdc_bytes sid = {NULL, 0};
    unsigned kind = (unsigned)(i % 4);

    if (nclients < 4 || kind < 2) {
      client_new(&cl[nclients], "big", REQ | RSP);
      join(&cl[nclients], "big", REQ | RSP, J_NORMAL, GC_NONE, &r);
      CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
      CU_ASSERT_FATAL(key_sid(&r, &sid));
      snprintf(nodes[nclients], 32, "%s", node_of(&r));
      nclients++;
    } else if (kind == 2) {
      struct h_client *c = &cl[(i * 7919) % nclients];

      join(c, "big", REQ | RSP, J_EMPTY_CRED, GC_NONE, &r);
      CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 4));
      CU_ASSERT_FATAL(key_sid(&r, &sid));
    } else {
      size_t k = (i * 104729) % nclients;
      char p[96];

      snprintf(p, sizeof(p), "ace-group/big/nodes/%s", nodes[k]);
      h_call(&cl[k], GKDC_POST, p, GKDC_CF_NONE, NULL, 0, &r);
      CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 4));
      CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_OSC_GROUP_SENDERID, &sid));
    }
    CU_ASSERT_FATAL(sid.len >= 1 && sid.len <= 7);
    memset(seen[nseen], 0xee, 8);
    seen[nseen][0] = (uint8_t)sid.len;
    memcpy(seen[nseen] + 1, sid.ptr, sid.len);
    nseen++;
    gkdc_response_clear(&r);
  }

  qsort(seen, nseen, 8, cmp_sid);
  for (i = 1; i < nseen; i++)
    if (memcmp(seen[i - 1], seen[i], 8) == 0)
      break;
  CU_ASSERT_EQUAL(i, nseen);
  CU_ASSERT_EQUAL(nseen, total);

  /* All under one Gid. */
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "big", &g1));
  CU_ASSERT(g0->gid.len == g1->gid.len && memcmp(g0->gid.ptr, g1->gid.ptr, g0->gid.len) == 0);
  h_store_ops()->record_free(h_store.state, g0);
  h_store_ops()->record_free(h_store.state, g1);

  /* A Joining Response with every member's credential outgrows the first
   * buffer; its kdc_cred_verify still verifies over its N_C and N_KDC. */
  {
    struct h_client last;
    struct gkdc_response r;
    struct gkdc_cbor_dec d, w;
    struct gkdc_bytes nk, ev, nc;
    uint8_t n_c[8], gm[64], input[64];
    size_t n = 0, gm_len = hex2bin(GM_CRED, gm, sizeof(gm)), input_len = sizeof(input);

    client_new(&last, "big", REQ | RSP);
    join(&last, "big", REQ | RSP, J_NORMAL, GC_NULL, &r);
    CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
    CU_ASSERT(r.payload_len > 4096);
    /* Larger than the decoder's default limit at full scale. */
    {
      struct gkdc_cbor_limits lim = {r.payload_len, GKDC_CBOR_DEFAULT_MAX_DEPTH};

      CU_ASSERT_FATAL(gkdc_cbor_dec_init(&d, r.payload, r.payload_len, &lim) ==
                          GKDC_CBOR_OK &&
                      gkdc_cbor_dec_enter_map(&d, NULL));
      CU_ASSERT(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_CREDS, &w) &&
                gkdc_cbor_dec_enter_array(&w, &n) && n == nclients);
      CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_NONCE, &w) &&
                      gkdc_cbor_dec_get_bstr(&w, &nk));
      CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_CRED_VERIFY, &w) &&
                      gkdc_cbor_dec_get_bstr(&w, &ev));
    }
    memcpy(n_c, "\x01\x02\x03\x04\x05\x06\x07", 7);
    n_c[7] = (uint8_t)client_seq;
    nc.ptr = n_c;
    nc.len = sizeof(n_c);
    CU_ASSERT_FATAL(gkdc_pop_input_kdc(nc, nk, input, &input_len));
    CU_ASSERT(gkdc_crypto_verify(&h_crypto, GKDC_COSE_ALG_EDDSA, gm + gm_len - 32, 32, input,
                                 input_len, ev.ptr, ev.len));
    gkdc_response_clear(&r);
  }
  free(seen);
  free(cl);
  free(nodes);
}

/* ---- extended scope ---- */

static void test_extended_scope(void)
{
  struct h_client a;
  struct gkdc_response r;
  const char *names[] = {"g1"};
  uint64_t roles[] = {REQ | RSP};

  client_new_scope(&a, names, roles, 1, 1);
  CU_ASSERT_EQUAL(a.n_s_len, 8);
  join(&a, "g1", REQ, J_NORMAL, GC_NONE, &r);
  expect(&r, GKDC_CODE(2, 1), -2);
}

/* ---- token end ---- */

static void test_token_end(void)
{
  struct h_client a, b;
  struct gkdc_response r;
  struct gkdc_store_member *m = NULL;

  client_new(&a, "g1", REQ);
  joined(&a, "g1", REQ, 5);
  client_new(&b, "g1", REQ);
  joined(&b, "g1", REQ, 6);

  /* Replaced: the membership moves to the new token. */
  {
    struct h_client a2 = a;

    memcpy(a2.token_id, "replacement-tok", 15);
    a2.token_id_len = 15;
    a2.authz.token_id.ptr = a2.token_id;
    a2.authz.token_id.len = 15;
    CU_ASSERT(h_kdc_ops()->token_end(h_kdc.state, a.authz.token_id, GKDC_TOKEN_REPLACED,
                                     &a2.authz));
    CU_ASSERT(h_store_ops()->member_get_by_token(h_store.state, "g1", a2.token_id, 15, &m));
    h_store_ops()->record_free(h_store.state, m);
    m = NULL;
  }

  /* Expired: the member is removed. */
  CU_ASSERT(h_kdc_ops()->token_end(h_kdc.state, b.authz.token_id, GKDC_TOKEN_EXPIRED, NULL));
  CU_ASSERT(!h_store_ops()->member_get_by_token(h_store.state, "g1", b.token_id,
                                                b.token_id_len, &m));
  call(&b, GKDC_GET, "ace-group/g1", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);
}

/* ---- the authorization matrix ---- */

#define C201 GKDC_CODE(2, 1)
#define C202 GKDC_CODE(2, 2)
#define C204 GKDC_CODE(2, 4)
#define C205 GKDC_CODE(2, 5)
#define C400 GKDC_CODE(4, 0)
#define C403 GKDC_CODE(4, 3)
#define C405 GKDC_CODE(4, 5)

/*
 * One cell of the access table of the OSCORE profile (its section 8,
 * REQ11) with the error ids of sections 8 and 9: a resource below
 * ace-group/g1 ("/" is the root /ace-group, "@" the requester's own node;
 * a non-member names a member's node), a method, the roles of the token
 * and whether the requester is a member. A Verifier member holds a token
 * for Requester and Verifier and joined as Requester (a node cannot join
 * as a Verifier). `err` -1 means no problem details, -2 any.
 */
struct mx_row {
  const char *rest;
  uint32_t method;
  uint64_t roles;
  int member;
  uint8_t code;
  int err;
};

static const struct mx_row mx_rows[] = {
    {"/", GKDC_FETCH, REQ, 1, C205, -1},
    {"/", GKDC_FETCH, RSP, 1, C205, -1},
    {"/", GKDC_FETCH, REQ | RSP, 1, C205, -1},
    {"/", GKDC_FETCH, MON, 1, C205, -1},
    {"/", GKDC_FETCH, VER, 1, C205, -1},
    {"/", GKDC_FETCH, REQ, 0, C205, -1},
    {"/", GKDC_FETCH, RSP, 0, C205, -1},
    {"/", GKDC_FETCH, REQ | RSP, 0, C205, -1},
    {"/", GKDC_FETCH, MON, 0, C205, -1},
    {"/", GKDC_FETCH, VER, 0, C205, -1},
    {"", GKDC_GET, REQ, 1, C205, -1},
    {"", GKDC_GET, RSP, 1, C205, -1},
    {"", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"", GKDC_GET, MON, 1, C205, -1},
    {"", GKDC_GET, VER, 1, C205, -1},
    {"", GKDC_GET, REQ, 0, C403, 0},
    {"", GKDC_GET, RSP, 0, C403, 0},
    {"", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"", GKDC_GET, MON, 0, C403, 0},
    {"", GKDC_GET, VER, 0, C403, 0},
    {"creds", GKDC_GET, REQ, 1, C205, -1},
    {"creds", GKDC_GET, RSP, 1, C205, -1},
    {"creds", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"creds", GKDC_GET, MON, 1, C205, -1},
    {"creds", GKDC_GET, VER, 1, C205, -1},
    {"creds", GKDC_GET, REQ, 0, C403, -2},
    {"creds", GKDC_GET, RSP, 0, C403, -2},
    {"creds", GKDC_GET, REQ | RSP, 0, C403, -2},
    {"creds", GKDC_GET, MON, 0, C403, -2},
    {"creds", GKDC_GET, VER, 0, C205, -1},
    {"creds", GKDC_FETCH, REQ, 1, C205, -1},
    {"creds", GKDC_FETCH, RSP, 1, C205, -1},
    {"creds", GKDC_FETCH, REQ | RSP, 1, C205, -1},
    {"creds", GKDC_FETCH, MON, 1, C205, -1},
    {"creds", GKDC_FETCH, VER, 1, C205, -1},
    {"creds", GKDC_FETCH, REQ, 0, C403, -2},
    {"creds", GKDC_FETCH, RSP, 0, C403, -2},
    {"creds", GKDC_FETCH, REQ | RSP, 0, C403, -2},
    {"creds", GKDC_FETCH, MON, 0, C403, -2},
    {"creds", GKDC_FETCH, VER, 0, C205, -1},
    {"kdc-cred", GKDC_GET, REQ, 1, C205, -1},
    {"kdc-cred", GKDC_GET, RSP, 1, C205, -1},
    {"kdc-cred", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"kdc-cred", GKDC_GET, MON, 1, C205, -1},
    {"kdc-cred", GKDC_GET, VER, 1, C205, -1},
    {"kdc-cred", GKDC_GET, REQ, 0, C403, 0},
    {"kdc-cred", GKDC_GET, RSP, 0, C403, 0},
    {"kdc-cred", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"kdc-cred", GKDC_GET, MON, 0, C403, 0},
    {"kdc-cred", GKDC_GET, VER, 0, C403, 0},
    {"kdc-cred", GKDC_FETCH, REQ, 1, C403, 8},
    {"kdc-cred", GKDC_FETCH, RSP, 1, C403, 8},
    {"kdc-cred", GKDC_FETCH, REQ | RSP, 1, C403, 8},
    {"kdc-cred", GKDC_FETCH, MON, 1, C403, 8},
    {"kdc-cred", GKDC_FETCH, VER, 1, C403, 8},
    {"kdc-cred", GKDC_FETCH, REQ, 0, C403, 8},
    {"kdc-cred", GKDC_FETCH, RSP, 0, C403, 8},
    {"kdc-cred", GKDC_FETCH, REQ | RSP, 0, C403, 8},
    {"kdc-cred", GKDC_FETCH, MON, 0, C403, 8},
    {"kdc-cred", GKDC_FETCH, VER, 0, C205, -1},
    {"verif-data", GKDC_GET, REQ, 1, C403, 8},
    {"verif-data", GKDC_GET, RSP, 1, C403, 8},
    {"verif-data", GKDC_GET, REQ | RSP, 1, C403, 8},
    {"verif-data", GKDC_GET, MON, 1, C403, 8},
    {"verif-data", GKDC_GET, VER, 1, C403, 8},
    {"verif-data", GKDC_GET, REQ, 0, C403, 8},
    {"verif-data", GKDC_GET, RSP, 0, C403, 8},
    {"verif-data", GKDC_GET, REQ | RSP, 0, C403, 8},
    {"verif-data", GKDC_GET, MON, 0, C403, 8},
    {"verif-data", GKDC_GET, VER, 0, C205, -1},
    {"num", GKDC_GET, REQ, 1, C205, -1},
    {"num", GKDC_GET, RSP, 1, C205, -1},
    {"num", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"num", GKDC_GET, MON, 1, C205, -1},
    {"num", GKDC_GET, VER, 1, C205, -1},
    {"num", GKDC_GET, REQ, 0, C403, 0},
    {"num", GKDC_GET, RSP, 0, C403, 0},
    {"num", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"num", GKDC_GET, MON, 0, C403, 0},
    {"num", GKDC_GET, VER, 0, C403, 0},
    {"active", GKDC_GET, REQ, 1, C205, -1},
    {"active", GKDC_GET, RSP, 1, C205, -1},
    {"active", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"active", GKDC_GET, MON, 1, C205, -1},
    {"active", GKDC_GET, VER, 1, C205, -1},
    {"active", GKDC_GET, REQ, 0, C403, 0},
    {"active", GKDC_GET, RSP, 0, C403, 0},
    {"active", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"active", GKDC_GET, MON, 0, C403, 0},
    {"active", GKDC_GET, VER, 0, C403, 0},
    {"policies", GKDC_GET, REQ, 1, C205, -1},
    {"policies", GKDC_GET, RSP, 1, C205, -1},
    {"policies", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"policies", GKDC_GET, MON, 1, C205, -1},
    {"policies", GKDC_GET, VER, 1, C205, -1},
    {"policies", GKDC_GET, REQ, 0, C403, 0},
    {"policies", GKDC_GET, RSP, 0, C403, 0},
    {"policies", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"policies", GKDC_GET, MON, 0, C403, 0},
    {"policies", GKDC_GET, VER, 0, C403, 0},
    {"stale-sids", GKDC_FETCH, REQ, 1, C205, -1},
    {"stale-sids", GKDC_FETCH, RSP, 1, C205, -1},
    {"stale-sids", GKDC_FETCH, REQ | RSP, 1, C205, -1},
    {"stale-sids", GKDC_FETCH, MON, 1, C205, -1},
    {"stale-sids", GKDC_FETCH, VER, 1, C205, -1},
    {"stale-sids", GKDC_FETCH, REQ, 0, C403, 0},
    {"stale-sids", GKDC_FETCH, RSP, 0, C403, 0},
    {"stale-sids", GKDC_FETCH, REQ | RSP, 0, C403, 0},
    {"stale-sids", GKDC_FETCH, MON, 0, C403, 0},
    {"stale-sids", GKDC_FETCH, VER, 0, C403, 0},
    {"nodes/@", GKDC_GET, REQ, 1, C205, -1},
    {"nodes/@", GKDC_GET, RSP, 1, C205, -1},
    {"nodes/@", GKDC_GET, REQ | RSP, 1, C205, -1},
    {"nodes/@", GKDC_GET, MON, 1, C205, -1},
    {"nodes/@", GKDC_GET, VER, 1, C205, -1},
    {"nodes/@", GKDC_GET, REQ, 0, C403, 0},
    {"nodes/@", GKDC_GET, RSP, 0, C403, 0},
    {"nodes/@", GKDC_GET, REQ | RSP, 0, C403, 0},
    {"nodes/@", GKDC_GET, MON, 0, C403, 0},
    {"nodes/@", GKDC_GET, VER, 0, C403, 0},
    {"nodes/@", GKDC_POST, REQ, 1, C204, -1},
    {"nodes/@", GKDC_POST, RSP, 1, C204, -1},
    {"nodes/@", GKDC_POST, REQ | RSP, 1, C204, -1},
    {"nodes/@", GKDC_POST, MON, 1, C400, 1},
    {"nodes/@", GKDC_POST, VER, 1, C204, -1},
    {"nodes/@", GKDC_POST, REQ, 0, C403, 0},
    {"nodes/@", GKDC_POST, RSP, 0, C403, 0},
    {"nodes/@", GKDC_POST, REQ | RSP, 0, C403, 0},
    {"nodes/@", GKDC_POST, MON, 0, C403, 0},
    {"nodes/@", GKDC_POST, VER, 0, C403, 0},
    {"nodes/@/cred", GKDC_POST, REQ, 1, C204, -1},
    {"nodes/@/cred", GKDC_POST, RSP, 1, C204, -1},
    {"nodes/@/cred", GKDC_POST, REQ | RSP, 1, C204, -1},
    {"nodes/@/cred", GKDC_POST, MON, 1, C400, 1},
    {"nodes/@/cred", GKDC_POST, VER, 1, C204, -1},
    {"nodes/@/cred", GKDC_POST, REQ, 0, C403, 0},
    {"nodes/@/cred", GKDC_POST, RSP, 0, C403, 0},
    {"nodes/@/cred", GKDC_POST, REQ | RSP, 0, C403, 0},
    {"nodes/@/cred", GKDC_POST, MON, 0, C403, 0},
    {"nodes/@/cred", GKDC_POST, VER, 0, C403, 0},
    {"nodes/@", GKDC_DELETE, REQ, 1, C202, -1},
    {"nodes/@", GKDC_DELETE, RSP, 1, C202, -1},
    {"nodes/@", GKDC_DELETE, REQ | RSP, 1, C202, -1},
    {"nodes/@", GKDC_DELETE, MON, 1, C202, -1},
    {"nodes/@", GKDC_DELETE, VER, 1, C202, -1},
    {"nodes/@", GKDC_DELETE, REQ, 0, C403, 0},
    {"nodes/@", GKDC_DELETE, RSP, 0, C403, 0},
    {"nodes/@", GKDC_DELETE, REQ | RSP, 0, C403, 0},
    {"nodes/@", GKDC_DELETE, MON, 0, C403, 0},
    {"nodes/@", GKDC_DELETE, VER, 0, C403, 0},
    {"", GKDC_POST, REQ, 1, C204, -1},
    {"", GKDC_POST, RSP, 1, C204, -1},
    {"", GKDC_POST, REQ | RSP, 1, C204, -1},
    {"", GKDC_POST, MON, 1, C204, -1},
    {"", GKDC_POST, VER, 1, C204, -1},
    {"", GKDC_POST, REQ, 0, C201, -1},
    {"", GKDC_POST, RSP, 0, C201, -1},
    {"", GKDC_POST, REQ | RSP, 0, C201, -1},
    {"", GKDC_POST, MON, 0, C201, -1},
    {"", GKDC_POST, VER, 0, C400, -2},
    /* Methods a resource does not have: 4.05 whoever asks. */
    {"/", GKDC_GET, REQ | RSP, 1, C405, -1},
    {"/", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"/", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"/", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"/", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"/", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"creds", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"creds", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"creds", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"creds", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"creds", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"kdc-cred", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"kdc-cred", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"kdc-cred", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"kdc-cred", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"kdc-cred", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"verif-data", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"num", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"num", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"num", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"num", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"num", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"num", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"active", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"active", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"active", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"active", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"active", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"active", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"policies", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_GET, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_POST, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"stale-sids", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"nodes/@", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"nodes/@", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"nodes/@", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"nodes/@", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_GET, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_PUT, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_DELETE, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_FETCH, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_PATCH, REQ | RSP, 1, C405, -1},
    {"nodes/@/cred", GKDC_IPATCH, REQ | RSP, 1, C405, -1},
};

/* The ten requesters of the matrix: each role, member and non-member. */
static const uint64_t mx_roles[5] = {REQ, RSP, REQ | RSP, MON, VER};

struct mx_principal {
  struct h_client cl;
  uint64_t join_roles; /* the roles of its Join Requests */
  char node[64];
};

static int mx_index(uint64_t roles, int member)
{
  int i;

  for (i = 0; i < 5; i++)
    if (mx_roles[i] == roles)
      return i + (member ? 0 : 5);
  return -1;
}

/* A credential upload for a new key of `p`, with its PoP over the join
 * scope, the stored N_S and a fresh N_C. */
static size_t mx_cred_upload(struct mx_principal *p, uint8_t *buf, size_t cap)
{
  uint8_t scope[32], input[128], sig[64];
  uint8_t n_c[8] = {7, 7, 7, 7, 7, 7, 7, (uint8_t)client_seq};
  size_t scope_len = 0, input_len = sizeof(input), sig_len = sizeof(sig), len = 0;
  struct gkdc_cbor_enc e;
  struct gkdc_bytes sb, nsb, ncb;

  client_new_key(&p->cl);
  gkdc_cbor_enc_init(&e, scope, sizeof(scope));
  gkdc_cbor_enc_put_array(&e, 2);
  gkdc_cbor_enc_put_tstr_z(&e, "g1");
  gkdc_cbor_enc_put_uint(&e, p->join_roles);
  gkdc_cbor_enc_finish(&e, &scope_len);
  sb.ptr = scope;
  sb.len = scope_len;
  nsb.ptr = p->cl.n_s;
  nsb.len = p->cl.n_s_len;
  ncb.ptr = n_c;
  ncb.len = sizeof(n_c);
  CU_ASSERT_FATAL(gkdc_pop_input_client(sb, nsb, ncb, input, &input_len));
  CU_ASSERT_FATAL(gkdc_crypto_sign(&h_crypto, GKDC_COSE_ALG_EDDSA, p->cl.priv, 32, input,
                                   input_len, sig, &sig_len));
  gkdc_cbor_enc_init(&e, buf, cap);
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
  gkdc_cbor_enc_put_bstr(&e, p->cl.cred, p->cl.cred_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, n_c, sizeof(n_c));
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
  gkdc_cbor_enc_put_bstr(&e, sig, sig_len);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
  return len;
}

/* Joins `p` to g1 with its join roles and keeps its node name. */
static void mx_join(struct mx_principal *p)
{
  joined(&p->cl, "g1", p->join_roles, 7);
  snprintf(p->node, sizeof(p->node), "%s", node_buf[7]);
}

/* Runs one row; 1 when the response matches. */
static int mx_run(struct mx_principal *pr, const struct mx_row *row)
{
  struct mx_principal *p = &pr[mx_index(row->roles, row->member)];
  struct gkdc_response r;
  struct gkdc_store_group *g = NULL;
  uint8_t body[512];
  size_t len = 0;
  int32_t cf = GKDC_CF_NONE;
  char rest[160], path[256];
  const char *at = strchr(row->rest, '@');
  const char *node = row->member ? p->node : pr[0].node;
  int ok;

  /* The body each resource and method takes. */
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
  if (strcmp(row->rest, "/") == 0 && row->method == GKDC_FETCH) {
    struct gkdc_cbor_enc e;

    gkdc_cbor_enc_init(&e, body, sizeof(body));
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_GID);
    gkdc_cbor_enc_put_array(&e, 1);
    gkdc_cbor_enc_put_bstr(&e, g->gid.ptr, g->gid.len);
    gkdc_cbor_enc_finish(&e, &len);
    cf = GKDC_CF_ACE_GROUPCOMM_CBOR;
  } else if (strcmp(row->rest, "creds") == 0 && row->method == GKDC_FETCH) {
    static const uint8_t f[] = {0xa1, 0x04, 0x83, 0xf5, 0x81, 0x02, 0x80};

    memcpy(body, f, sizeof(f));
    len = sizeof(f);
    cf = GKDC_CF_ACE_GROUPCOMM_CBOR;
  } else if (strcmp(row->rest, "kdc-cred") == 0 && row->method == GKDC_FETCH) {
    static const uint8_t f[] = {0xa1, 0x06, 0x48, 1, 2, 3, 4, 5, 6, 7, 8};

    memcpy(body, f, sizeof(f));
    len = sizeof(f);
    cf = GKDC_CF_ACE_GROUPCOMM_CBOR;
  } else if (strcmp(row->rest, "stale-sids") == 0 && row->method == GKDC_FETCH) {
    body[0] = (uint8_t)(g->key_version - 1); /* the version before the current one */
    len = 1;
    cf = GKDC_CF_CBOR;
  } else if (strcmp(row->rest, "nodes/@/cred") == 0 && row->method == GKDC_POST) {
    len = mx_cred_upload(p, body, sizeof(body));
    cf = GKDC_CF_ACE_GROUPCOMM_CBOR;
  } else if (row->rest[0] == '\0' && row->method == GKDC_POST) {
    int mode = J_NORMAL;

    if (p->join_roles == MON)
      mode = J_NO_CRED;
    else if (row->member)
      mode = J_EMPTY_CRED; /* a member's re-join with its stored credential */
    join_payload(&p->cl, "g1", p->join_roles, mode, GC_NONE);
    memcpy(body, join_buf, join_len);
    len = join_len;
    cf = GKDC_CF_ACE_GROUPCOMM_CBOR;
  }
  CU_ASSERT(g->key_version >= 1);
  h_store_ops()->record_free(h_store.state, g);

  if (strcmp(row->rest, "/") == 0)
    snprintf(path, sizeof(path), "ace-group");
  else {
    if (at != NULL)
      snprintf(rest, sizeof(rest), "%.*s%.63s%.32s", (int)(at - row->rest), row->rest, node,
               at + 1);
    else
      snprintf(rest, sizeof(rest), "%s", row->rest);
    snprintf(path, sizeof(path), "ace-group/g1%s%s", rest[0] ? "/" : "", rest);
  }
  h_call(&p->cl, row->method, path, cf, len > 0 ? body : NULL, len, &r);
  ok = r.code == row->code && (row->err == -2 || h_error_id(&r) == row->err);
  /* A 4.00 that is no problem details is a CF 261 map (OSCORE profile
   * section 6.2). */
  if (r.code == C400 && row->err == -2)
    ok = ok && r.content_format == GKDC_CF_ACE_GROUPCOMM_CBOR;
  if (!ok)
    fprintf(stderr, "\n  matrix: %s method %u roles %llu %s: got %d.%02d error %d, "
                    "expected %d.%02d error %d\n",
            path, row->method, (unsigned long long)row->roles,
            row->member ? "member" : "non-member", GKDC_CODE_CLASS(r.code),
            GKDC_CODE_DETAIL(r.code), h_error_id(&r), GKDC_CODE_CLASS(row->code),
            GKDC_CODE_DETAIL(row->code), row->err);
  if (r.code == C201)
    snprintf(p->node, sizeof(p->node), "%s", node_of(&r));
  gkdc_response_clear(&r);

  /* A member that left joins again for the rows that follow. */
  if (row->method == GKDC_DELETE && row->member && row->code == C202 && ok)
    mx_join(p);
  return ok;
}

static void test_matrix(void)
{
  struct mx_principal pr[10];
  size_t i, failed = 0;
  int err = 0;

  /* A rekey, so that FETCH /stale-sids has an older version to ask for. */
  CU_ASSERT(h_kdc_ops()->rekey(h_kdc.state, "g1", GKDC_REKEY_ADMIN, &err));

  memset(pr, 0, sizeof(pr));
  for (i = 0; i < 10; i++) {
    uint64_t roles = mx_roles[i % 5];
    int member = i < 5;

    if (roles == VER && member) {
      static const char *const names[] = {"g1"};
      static const uint64_t both[] = {REQ | VER};

      client_new_scope(&pr[i].cl, names, both, 1, 0);
      pr[i].join_roles = REQ;
    } else {
      client_new(&pr[i].cl, "g1", roles);
      pr[i].join_roles = roles;
    }
    if (member)
      mx_join(&pr[i]);
  }

  for (i = 0; i < sizeof(mx_rows) / sizeof(mx_rows[0]); i++)
    if (!mx_run(pr, &mx_rows[i]))
      failed++;
  CU_ASSERT_EQUAL(failed, 0);
  CU_ASSERT(sizeof(mx_rows) / sizeof(mx_rows[0]) >= 160);

  /* A token for another group only: 4.03 everywhere in g1. */
  {
    struct h_client x;
    struct gkdc_response r;

    client_new(&x, "g2", REQ | RSP);
    for (i = 0; i < sizeof(mx_rows) / sizeof(mx_rows[0]); i++) {
      char path[160];

      if (mx_rows[i].code == C405 || strcmp(mx_rows[i].rest, "/") == 0)
        continue;
      if (strchr(mx_rows[i].rest, '@') != NULL)
        snprintf(path, sizeof(path), "ace-group/g1/nodes/%s%s", pr[0].node,
                 strstr(mx_rows[i].rest, "cred") != NULL ? "/cred" : "");
      else
        snprintf(path, sizeof(path), "ace-group/g1%s%s", mx_rows[i].rest[0] ? "/" : "",
                 mx_rows[i].rest);
      h_call(&x, mx_rows[i].method, path, GKDC_CF_ACE_GROUPCOMM_CBOR,
             (const uint8_t *)"\xa0", 1, &r);
      CU_ASSERT_EQUAL(r.code, C403);
      gkdc_response_clear(&r);
    }
  }
}

/* ---- ES256 groups: DER evidence for Java-compatible ones, raw otherwise ---- */

/* Gives `cl` a fresh P-256 key pair and its CCS; the private key goes to
 * `priv` (32 bytes). */
static void es_client_key(struct h_client *cl, uint8_t priv[32])
{
  static const uint8_t ccs_head[] = {0xa2, 0x02, 0x60, 0x08, 0xa1, 0x01, 0xa5, 0x01, 0x02,
                                     0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20};
  uint8_t pub[65];
  size_t priv_len = 32, pub_len = sizeof(pub);

  CU_ASSERT_FATAL(gkdc_crypto_keygen(&h_crypto, GKDC_COSE_CRV_P256, priv, &priv_len, pub,
                                     &pub_len) && pub_len == 65);
  memcpy(cl->cred, ccs_head, sizeof(ccs_head));
  memcpy(cl->cred + 16, pub + 1, 32);
  cl->cred[48] = 0x22;
  cl->cred[49] = 0x58;
  cl->cred[50] = 0x20;
  memcpy(cl->cred + 51, pub + 33, 32);
  cl->cred_len = 83;
}

/* Sends a Join Request to ES256 group `group` with the PoP in DER (`der`
 * 1) or raw r||s. */
static void es_join(struct h_client *cl, const uint8_t priv[32], const char *group, int der,
                    const uint8_t n_c[8], struct gkdc_response *r)
{
  uint8_t scope[32], input[128], raw[64], dsig[72], buf[512];
  size_t scope_len, input_len = sizeof(input), raw_len = sizeof(raw), der_len = sizeof(dsig);
  size_t len, mark;
  struct gkdc_bytes sb, nsb, ncb;
  struct gkdc_cbor_enc e;

  gkdc_cbor_enc_init(&e, scope, sizeof(scope));
  gkdc_cbor_enc_put_array(&e, 2);
  gkdc_cbor_enc_put_tstr_z(&e, group);
  gkdc_cbor_enc_put_uint(&e, REQ | RSP);
  gkdc_cbor_enc_finish(&e, &scope_len);
  sb.ptr = scope;
  sb.len = scope_len;
  nsb.ptr = cl->n_s;
  nsb.len = cl->n_s_len;
  ncb.ptr = n_c;
  ncb.len = 8;
  CU_ASSERT_FATAL(gkdc_pop_input_client(sb, nsb, ncb, input, &input_len));
  CU_ASSERT_FATAL(gkdc_crypto_sign(&h_crypto, GKDC_COSE_ALG_ES256, priv, 32, input, input_len,
                                   raw, &raw_len));
  CU_ASSERT_FATAL(gkdc_crypto_ecdsa_raw_to_der(&h_crypto, raw, raw_len, dsig, &der_len));

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, scope, scope_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, n_c, 8);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
  gkdc_cbor_enc_put_bstr(&e, cl->cred, cl->cred_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
  if (der)
    gkdc_cbor_enc_put_bstr(&e, dsig, der_len);
  else
    gkdc_cbor_enc_put_bstr(&e, raw, raw_len);
  gkdc_cbor_enc_map_end(&e, mark, 4);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
  snprintf(path_buf, sizeof(path_buf), "ace-group/%s", group);
  h_call(cl, GKDC_POST, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, r);
}

/* 1 when `r` carries a kdc_cred_verify by the P-256 Group Manager over
 * bstr(N_C) | bstr(kdc_nonce), in DER when `der`, else raw r||s. */
static int es_kdc_pop_ok(const struct gkdc_response *r, const uint8_t *n_c, size_t n_c_len,
                         int der)
{
  uint8_t kin[128], gm_pub[65], sig_raw[64];
  size_t kin_len = sizeof(kin), sig_raw_len = sizeof(sig_raw);
  struct gkdc_bytes nonce, sig, ncb;

  if (!h_get_bstr(r, GKDC_GC_KDC_NONCE, &nonce) || !h_get_bstr(r, GKDC_GC_KDC_CRED_VERIFY, &sig))
    return 0;
  gm_pub[0] = 0x04;
  hex2bin(P256_CRED + 32, gm_pub + 1, 32);
  hex2bin(P256_CRED + 32 + 64 + 6, gm_pub + 33, 32);
  ncb.ptr = n_c;
  ncb.len = n_c_len;
  if (!gkdc_pop_input_kdc(ncb, nonce, kin, &kin_len))
    return 0;
  if (der) {
    if (sig.len <= 64 || sig.ptr[0] != 0x30 ||
        !gkdc_crypto_ecdsa_der_to_raw(&h_crypto, sig.ptr, sig.len, sig_raw, &sig_raw_len))
      return 0;
  } else {
    if (sig.len != 64)
      return 0;
    memcpy(sig_raw, sig.ptr, 64);
  }
  return gkdc_crypto_verify(&h_crypto, GKDC_COSE_ALG_ES256, gm_pub, 65, kin, kin_len, sig_raw,
                            64);
}

static void test_es256_group(void)
{
  /* Group "es" is Java-compatible, "esr" is not. */
  static const struct {
    const char *group;
    int der_in;
    uint8_t code;
    int err;
    int der_out;
  } cases[] = {
      {"es", 1, GKDC_CODE(2, 1), -1, 1},
      {"es", 0, GKDC_CODE(2, 1), -1, 1},
      {"esr", 0, GKDC_CODE(2, 1), -1, 0},
      {"esr", 1, GKDC_CODE(4, 0), GKDC_GC_ERR_INVALID_POP, 0},
  };
  static const uint8_t fetch[] = {0xa1, 0x06, 0x48, 9, 8, 7, 6, 5, 4, 3, 2};
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct h_client a, v;
    struct gkdc_response r;
    uint8_t priv[32];
    uint8_t n_c[8] = {8, 7, 6, 5, 4, 3, 2, (uint8_t)i};

    client_new(&a, cases[i].group, REQ | RSP);
    es_client_key(&a, priv);
    es_join(&a, priv, cases[i].group, cases[i].der_in, n_c, &r);
    CU_ASSERT_EQUAL(r.code, cases[i].code);
    if (cases[i].err != -1)
      CU_ASSERT_EQUAL(h_error_id(&r), cases[i].err);
    if (r.code != GKDC_CODE(2, 1)) {
      gkdc_response_clear(&r);
      continue;
    }
    /* The Joining Response, GET /kdc-cred (N_C of the join) and FETCH
     * /kdc-cred (the verifier's N_C) sign in the group's form. */
    CU_ASSERT(es_kdc_pop_ok(&r, n_c, sizeof(n_c), cases[i].der_out));
    gkdc_response_clear(&r);
    snprintf(path_buf, sizeof(path_buf), "ace-group/%s/kdc-cred", cases[i].group);
    h_call(&a, GKDC_GET, path_buf, GKDC_CF_NONE, NULL, 0, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(es_kdc_pop_ok(&r, n_c, sizeof(n_c), cases[i].der_out));
    gkdc_response_clear(&r);
    client_new(&v, cases[i].group, VER);
    h_call(&v, GKDC_FETCH, path_buf, GKDC_CF_ACE_GROUPCOMM_CBOR, fetch, sizeof(fetch), &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
    CU_ASSERT(es_kdc_pop_ok(&r, fetch + 3, 8, cases[i].der_out));
    gkdc_response_clear(&r);
  }

  /* An Ed25519 credential does not fit the group. */
  {
    struct h_client b;
    struct gkdc_response r;

    client_new(&b, "es", REQ);
    join(&b, "es", REQ, J_NORMAL, GC_NONE, &r);
    expect(&r, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE);
  }
}

/* ---- backward security ---- */

static void test_rekey_on_join(void)
{
  struct h_client a, b;
  struct gkdc_response r;
  uint64_t num_a = 0, num_b = 0;
  struct gkdc_bytes sid_a;
  uint8_t sa[8];
  size_t sa_len;
  int notifies = h_notifies;
  struct gkdc_store_member *m = NULL;
  struct gkdc_store_group *g = NULL;

  client_new(&a, "bs", REQ);
  join(&a, "bs", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &num_a) && num_a == 1);
  CU_ASSERT_FATAL(key_sid(&r, &sid_a));
  memcpy(sa, sid_a.ptr, sid_a.len);
  sa_len = sid_a.len;
  gkdc_response_clear(&r);
  CU_ASSERT(h_notifies > notifies);

  /* The member observes the group: the rekeying message for the next
   * join carries the newcomer's credential, roles and Sender ID. */
  client_new(&b, "bs", RSP);
  h_observer = &a;
  h_observed_code = 0;
  h_observed_len = 0;
  join(&b, "bs", RSP, J_NORMAL, GC_NONE, &r);
  h_observer = NULL;
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &num_b) && num_b == num_a + 1);
  CU_ASSERT_EQUAL(h_observed_code, GKDC_CODE(2, 5));
  {
    struct gkdc_response n;
    struct gkdc_cbor_dec d, w;
    struct gkdc_bytes cred, sid_b;
    size_t count = 0;
    uint64_t v = 0;

    CU_ASSERT_FATAL(key_sid(&r, &sid_b));
    gkdc_response_init(&n);
    n.payload = h_observed_payload;
    n.payload_len = h_observed_len;
    n.content_format = GKDC_CF_ACE_GROUPCOMM_CBOR;
    CU_ASSERT(h_get_uint(&n, GKDC_GC_NUM, &v) && v == num_b);
    CU_ASSERT(h_find(&n, &d, GKDC_OSC_STALE_NODE_IDS, &w));
    CU_ASSERT(h_find(&n, &d, GKDC_GC_CREDS, &w) && gkdc_cbor_dec_enter_array(&w, &count) &&
              count == 1 && gkdc_cbor_dec_get_bstr(&w, &cred) && cred.len == b.cred_len &&
              memcmp(cred.ptr, b.cred, b.cred_len) == 0);
    CU_ASSERT(h_find(&n, &d, GKDC_GC_PEER_ROLES, &w) && gkdc_cbor_dec_enter_array(&w, &count) &&
              count == 1 && gkdc_cbor_dec_get_uint(&w, &v) && v == RSP);
    CU_ASSERT(h_find(&n, &d, GKDC_GC_PEER_IDENTIFIERS, &w) &&
              gkdc_cbor_dec_enter_array(&w, &count) && count == 1 &&
              gkdc_cbor_dec_get_bstr(&w, &cred) && cred.len == sid_b.len &&
              memcmp(cred.ptr, sid_b.ptr, sid_b.len) == 0);
  }
  gkdc_response_clear(&r);

  /* The first member kept its Sender ID, and the newcomer's Birth Gid is
   * the Gid it received. */
  CU_ASSERT_FATAL(h_store_ops()->member_get_by_token(h_store.state, "bs", a.token_id,
                                                     a.token_id_len, &m));
  CU_ASSERT(m->sender_id.len == sa_len && memcmp(m->sender_id.ptr, sa, sa_len) == 0);
  h_store_ops()->record_free(h_store.state, m);
  m = NULL;
  CU_ASSERT_FATAL(h_store_ops()->member_get_by_token(h_store.state, "bs", b.token_id,
                                                     b.token_id_len, &m));
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "bs", &g));
  CU_ASSERT(m->birth_gid.len == g->gid.len &&
            memcmp(m->birth_gid.ptr, g->gid.ptr, g->gid.len) == 0);
  h_store_ops()->record_free(h_store.state, m);
  h_store_ops()->record_free(h_store.state, g);

  /* A re-join does not rekey. */
  join(&b, "bs", RSP, J_EMPTY_CRED, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &num_a) && num_a == num_b);
  gkdc_response_clear(&r);
}

/* ---- errors every resource shares ---- */

static void test_common_errors(void)
{
  static const struct {
    const char *rest;
    uint32_t method;
  } res[] = {
      {"", GKDC_GET},          {"", GKDC_POST},          {"creds", GKDC_GET},
      {"creds", GKDC_FETCH},   {"kdc-cred", GKDC_GET},   {"kdc-cred", GKDC_FETCH},
      {"policies", GKDC_GET},  {"num", GKDC_GET},        {"active", GKDC_GET},
      {"stale-sids", GKDC_FETCH}, {"verif-data", GKDC_GET}, {"nodes/n0", GKDC_GET},
      {"nodes/n0", GKDC_POST}, {"nodes/n0", GKDC_DELETE}, {"nodes/n0/cred", GKDC_POST},
  };
  struct h_client a;
  struct gkdc_response r;
  size_t i;
  char path[128];

  /* A token whose scope claim is not an AIF scope gets no access. */
  {
    struct h_client bad;

    client_new(&bad, "g1", REQ);
    bad.scope[0] = 0x01;
    bad.authz.scope.len = 1;
    h_call(&bad, GKDC_GET, "ace-group/g1/num", GKDC_CF_NONE, NULL, 0, &r);
    CU_ASSERT_EQUAL(GKDC_CODE_CLASS(r.code), 4);
    CU_ASSERT(r.code != GKDC_CODE(4, 4) && r.code != GKDC_CODE(4, 5));
    gkdc_response_clear(&r);
  }

  client_new(&a, "g1", REQ | RSP);
  for (i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
    snprintf(path, sizeof(path), "ace-group/g1%s%s", res[i].rest[0] ? "/" : "", res[i].rest);

    /* No token. */
    h_call(NULL, res[i].method, path, GKDC_CF_ACE_GROUPCOMM_CBOR, (const uint8_t *)"\xa0", 1,
           &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 1));
    gkdc_response_clear(&r);

    /* An expired token. */
    a.authz.expires_at = h_now_value;
    h_call(&a, res[i].method, path, GKDC_CF_ACE_GROUPCOMM_CBOR, (const uint8_t *)"\xa0", 1,
           &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 1));
    gkdc_response_clear(&r);
    a.authz.expires_at = h_now_value + 3600;

    /* A method the resource does not have. */
    h_call(&a, GKDC_PATCH, path, GKDC_CF_NONE, NULL, 0, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 5));
    gkdc_response_clear(&r);

    /* An unknown group. */
    snprintf(path, sizeof(path), "ace-group/zz%s%s", res[i].rest[0] ? "/" : "", res[i].rest);
    h_call(&a, res[i].method, path, GKDC_CF_ACE_GROUPCOMM_CBOR, (const uint8_t *)"\xa0", 1,
           &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 4));
    gkdc_response_clear(&r);
  }
}

/* Every truncation and many byte flips of a valid Join Request fail
 * cleanly and admit nobody. */
static void test_join_hostile(void)
{
  struct h_client a;
  struct gkdc_response r;
  uint8_t buf[512];
  size_t len, i;
  struct gkdc_store_member *m = NULL;

  client_new(&a, "g1", REQ);
  join_payload(&a, "g1", REQ, J_NORMAL, GC_ROLES);
  len = join_len;
  memcpy(buf, join_buf, len);
  for (i = 0; i < len; i++) {
    h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, i, &r);
    CU_ASSERT_EQUAL(GKDC_CODE_CLASS(r.code), 4);
    gkdc_response_clear(&r);
  }
  CU_ASSERT(!h_store_ops()->member_get_by_token(h_store.state, "g1", a.token_id,
                                                a.token_id_len, &m));
  for (i = 0; i < len; i++) {
    int ok_code;

    buf[i] ^= 0x5a;
    h_call(&a, GKDC_POST, "ace-group/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, buf, len, &r);
    ok_code = GKDC_CODE_CLASS(r.code) == 4 || r.code == GKDC_CODE(2, 1);
    CU_ASSERT(ok_code);
    /* A flip in the unknown parameter may leave the request valid: then
     * the node joined, and the following flips are re-joins. */
    gkdc_response_clear(&r);
    buf[i] ^= 0x5a;
  }
}

/* ---- forced removal and group deletion ---- */

static void test_eviction(void)
{
  struct h_client a;
  struct gkdc_response r;
  int err = 0;
  char pa[128];

  client_new(&a, "g1", REQ);
  joined(&a, "g1", REQ, 5);
  snprintf(pa, sizeof(pa), "ace-group/g1/nodes/%s", node_buf[5]);

  /* The observer of the node resource gets 4.04 with error 5. */
  h_observer = &a;
  h_observed_code = 0;
  CU_ASSERT(h_kdc_ops()->evict(h_kdc.state, "g1", node_buf[5], &err));
  h_observer = NULL;
  CU_ASSERT_EQUAL(h_observed_code, GKDC_CODE(4, 4));
  CU_ASSERT_EQUAL(h_observed_error, GKDC_GC_ERR_MEMBERSHIP_TERMINATED);
  call(&a, GKDC_GET, pa, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 4), GKDC_GC_ERR_MEMBERSHIP_TERMINATED);
  call(&a, GKDC_GET, "ace-group/g1", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), GKDC_GC_ERR_ONLY_MEMBERS);
  CU_ASSERT(!h_kdc_ops()->evict(h_kdc.state, "g1", node_buf[5], &err));
  CU_ASSERT_EQUAL(err, GKDC_KDC_ERR_NOT_FOUND);

  /* Joining again makes it a member with a new node; the old one is
   * simply not its own. */
  join(&a, "g1", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT_STRING_NOT_EQUAL(node_of(&r), node_buf[5]);
  gkdc_response_clear(&r);
  call(&a, GKDC_GET, pa, GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(4, 3), -1);
}

static void test_group_delete(void)
{
  struct h_client a;
  int err = 0;

  client_new(&a, "g2", REQ);
  CU_ASSERT(h_kdc_ops()->group_set_status(h_kdc.state, "g2", GKDC_GROUP_ACTIVE, &err));
  joined(&a, "g2", REQ, 6);
  h_observer = &a;
  h_observed_code = 0;
  CU_ASSERT(h_kdc_ops()->group_delete(h_kdc.state, "g2", &err));
  h_observer = NULL;
  CU_ASSERT_EQUAL(h_observed_code, GKDC_CODE(4, 4));
  CU_ASSERT_EQUAL(h_observed_error, GKDC_GC_ERR_GROUP_DELETED);
  CU_ASSERT(!h_kdc_ops()->group_delete(h_kdc.state, "nope", &err));
  CU_ASSERT_EQUAL(err, GKDC_KDC_ERR_NOT_FOUND);
}

/* ---- configuration at start ---- */

static void restart_expect(const char *groups, int ok, const char *needle)
{
  h_stop();
  make_config(groups);
  CU_ASSERT_EQUAL(h_start(config_text), ok);
  if (needle != NULL) {
    CU_ASSERT_PTR_NOT_NULL(strstr(h_last_error, needle));
    if (strstr(h_last_error, needle) == NULL)
      fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", needle, h_last_error);
  }
}

static void test_config_checks(void)
{
  struct gkdc_store_group *g = NULL;
  uint64_t num_before;
  struct h_client keep;
  struct gkdc_response r;
  struct gkdc_bytes sid;
  uint8_t sid_before[8];
  size_t sid_before_len;

  /* A member that must survive the restarts below. */
  client_new(&keep, "big", REQ);
  join(&keep, "big", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(key_sid(&r, &sid));
  memcpy(sid_before, sid.ptr, sid.len);
  sid_before_len = sid.len;
  gkdc_response_clear(&r);

  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
  num_before = g->key_version;
  h_store_ops()->record_free(h_store.state, g);

  restart_expect("{ name = \"p\"; mode = \"pairwise-only\"; " GM " }", 0, "pairwise-only");
  restart_expect("{ name = \"u\"; sign_alg = -99; " GM " }", 0, "-99");
  restart_expect("{ name = \"f\"; cred_fmt = \"x509\"; " GM " }", 0, "x509");
  restart_expect("{ name = \"f2\"; cred_fmt = 33; " GM " }", 0, "33");
  restart_expect("{ name = \"k\"; gm_cred = \"" GM_CRED "\"; gm_key = \"" GM_CRED "\"; }",
                 0, "gm_key");
  restart_expect("{ name = \"g1\"; mode = \"group-only\"; " GM " }", 0, "mode");
  CU_ASSERT_PTR_NOT_NULL(strstr(h_last_error, "group g1:"));
  restart_expect("{ name = \"g1\"; gp_enc_alg = 30; " GM " }", 0, "gp_enc_alg");
  CU_ASSERT_PTR_NOT_NULL(strstr(h_last_error, "group g1:"));
  restart_expect("{ name = \"g1\"; sign_alg = -7; " GM_P256 " }", 0, "sign_alg");
  restart_expect("{ name = \"u2\"; gp_enc_alg = 12345; " GM " }", 0, "12345");
  CU_ASSERT_PTR_NOT_NULL(strstr(h_last_error, "group u2:"));
  /* A Group Manager credential that does not fit the signature algorithm. */
  restart_expect("{ name = \"m\"; sign_alg = -7; " GM " }", 0, "gm_cred");
  restart_expect("{ name = \"m2\"; mode = \"both\"; " GM " }", 0, "both");
  /* The stored group wins over pinned material of the configuration. */
  restart_expect("{ name = \"g1\"; initial = { master_secret = \"00112233445566778899aabbccddeeff\"; }; " GM " }",
                 1,
                 NULL);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
  CU_ASSERT_EQUAL(g->key_version, num_before);
  CU_ASSERT(!(g->master_secret.len == 16 &&
              memcmp(g->master_secret.ptr, "\x00\x11\x22\x33\x44\x55\x66\x77", 8) == 0));
  h_store_ops()->record_free(h_store.state, g);

  /* A new group takes pinned material and pre-provisioned members. */
  restart_expect("{ name = \"pin\"; " GM
                 " initial = { master_secret = \"0102030405060708090a0b0c0d0e0f10\";"
                 " master_salt = \"9e7ca92223786340\"; gid = \"37cbf3210017a2d3\";"
                 " exp = 1900000000L; next_sender_id = \"2a\"; };"
                 " members = ( { node_name = \"pre1\"; token_id = \"aabb\"; roles = 6;"
                 " sender_id = \"25\"; cred = \"" GM_CRED "\"; } ); }",
                 1, NULL);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "pin", &g));
  CU_ASSERT(g->gid.len == 8 && memcmp(g->gid.ptr, "\x37\xcb\xf3\x21\x00\x17\xa2\xd3", 8) == 0);
  CU_ASSERT(g->master_secret.len == 16);
  CU_ASSERT_EQUAL(g->exp, 1900000000);
  CU_ASSERT_EQUAL(g->key_version, 0);
  h_store_ops()->record_free(h_store.state, g);
  {
    struct gkdc_store_member *m = NULL;

    CU_ASSERT_FATAL(h_store_ops()->member_get(h_store.state, "pin", "pre1", &m));
    CU_ASSERT(m->sender_id.len == 1 && m->sender_id.ptr[0] == 0x25 && m->roles == 6);
    h_store_ops()->record_free(h_store.state, m);
  }
  {
    /* The first Sender ID handed out is the pinned one. */
    struct h_client a;
    struct gkdc_response r;
    struct gkdc_bytes sid;

    client_new(&a, "pin", REQ);
    join(&a, "pin", REQ, J_NORMAL, GC_NONE, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
    CU_ASSERT(key_sid(&r, &sid) && sid.len == 1 && sid.ptr[0] == 0x2a);
    gkdc_response_clear(&r);
  }
  /* One schema: the profile's settings in the same entry reach the
   * appprofile (Gid prefix and epoch, Sender IDs offered first), and a
   * wrong one stops the start naming the setting. */
  restart_expect("{ name = \"ep\"; gid_prefix = \"feedca57\"; gid_epoch_start = 61531; " GM
                 " initial = { sender_ids = [ \"33\", \"34\" ]; }; }",
                 1, NULL);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "ep", &g));
  CU_ASSERT(g->gid.len == 6 && memcmp(g->gid.ptr, "\xfe\xed\xca\x57\xf0\x5b", 6) == 0);
  h_store_ops()->record_free(h_store.state, g);
  {
    struct h_client a;

    client_new(&a, "ep", REQ);
    join(&a, "ep", REQ, J_NORMAL, GC_NONE, &r);
    CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
    CU_ASSERT(key_sid(&r, &sid) && sid.len == 1 && sid.ptr[0] == 0x33);
    gkdc_response_clear(&r);
  }
  restart_expect("{ name = \"ep2\"; gid_epoch_len = \"two\"; " GM " }", 0, "gid_epoch_len");
  restart_expect("{ name = \"ep3\"; initial = { next_sender_id = \"zz\"; }; " GM " }", 0,
                 "next_sender_id");
  restart_expect(std_groups, 1, NULL);

  /* After the restarts the member is still one, and its next Sender ID is
   * new under the same Gid. */
  call(&keep, GKDC_GET, "ace-group/big", GKDC_CF_NONE, NULL, 0, &r);
  expect(&r, GKDC_CODE(2, 5), -1);
  join(&keep, "big", REQ, J_EMPTY_CRED, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 4));
  CU_ASSERT(key_sid(&r, &sid) &&
            !(sid.len == sid_before_len && memcmp(sid.ptr, sid_before, sid.len) == 0));
  gkdc_response_clear(&r);
}

/* ---- what the start says about a wrong configuration ---- */

/* Restarts with `groups`, which must fail, and checks that the errors
 * logged contain `a` and `b`. */
static void refused_with(const char *groups, const char *a, const char *b)
{
  restart_expect(groups, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(h_all_errors, a));
  CU_ASSERT_PTR_NOT_NULL(strstr(h_all_errors, b));
  if (strstr(h_all_errors, a) == NULL || strstr(h_all_errors, b) == NULL)
    fprintf(stderr, "\n  expected \"%s\" and \"%s\" in:\n%s", a, b, h_all_errors);
}

static void test_config_messages(void)
{
  /* Unknown setting names, with the group and the place. */
  refused_with("{ name = \"ty\"; rekey_on_leav = false; " GM " }",
               "group ty: config ", "unknown setting \"rekey_on_leav\"");
  CU_ASSERT_PTR_NOT_NULL(strstr(h_all_errors, "config (config string):3: unknown"));
  refused_with("{ name = \"ti\"; initial = { master_secert = \"00\"; }; " GM " }",
               "group ti:", "unknown setting \"master_secert\" in initial");
  refused_with("{ name = \"tm\"; " GM " members = ( { node_nam = \"a\"; token_id = \"aa\";"
               " roles = 4; } ); }",
               "group tm:", "unknown setting \"node_nam\" in a member");
  h_stop();
  snprintf(config_text, sizeof(config_text),
           "plugin_config = {\n"
           "  store-sqlite = { path = \"%s/kdc.db\"; };\n"
           "  kdc-groupcomm = { groupz = ( { name = \"g1\"; " GM " } ); };\n"
           "};\n",
           h_dir);
  CU_ASSERT_EQUAL(h_start(config_text), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(h_all_errors, "unknown setting \"groupz\" in "
                                              "plugin_config.kdc-groupcomm"));
  CU_ASSERT_PTR_NOT_NULL(strstr(h_all_errors, ":3:"));
  /* The appprofile's settings of the same entry stay accepted. */
  restart_expect("{ name = \"apk\"; gid_reuse = false; gid_epoch_len = 2;"
                 " gid_epoch_start = 3; ecdh_curve = 4; ecdsa_der = false;"
                 " oauth_labels = \"rfc\"; exp_delta = 0; key_update_check_interval = 60;"
                 " initial = { master_salt = \"00\"; next_sender_id = \"01\"; }; " GM " }",
                 1, NULL);

  /* An algorithm of the wrong type names the setting, not a stale value. */
  refused_with("{ name = \"sa\"; sign_alg = \"EdDSA\"; " GM " }",
               "group sa:", "sign_alg must be an integer COSE algorithm id");
  CU_ASSERT_PTR_NULL(strstr(h_all_errors, "unknown sign_alg"));
  refused_with("{ name = \"sa2\"; mode = \"group+pairwise\"; ecdh_alg = true; " GM " }",
               "group sa2:", "ecdh_alg must be an integer COSE algorithm id");

  /* A mode change names the modes. */
  refused_with("{ name = \"g1\"; mode = \"group-only\"; " GM " }", "group g1:",
               "(stored \"group+pairwise\", configured \"group-only\")");
  /* A member that cannot be created says why. */
  refused_with("{ name = \"mt\"; " GM " members = ( { node_name = \"a\"; token_id = \"aa\";"
               " roles = \"four\"; } ); }",
               "group mt: cannot create it: config ", "a member needs node_name");
  /* The appprofile's refusal names the group. */
  refused_with("{ name = \"ms\"; initial = { master_secret = \"00\"; }; " GM " }",
               "group ms:", "Master Secret");
  CU_ASSERT_PTR_NULL(strstr(h_all_errors, "(unnamed)"));

  restart_expect(std_groups, 1, NULL);
}

/* A member that re-joins again and again retires a Sender ID each time.
 * When none is left under the Gid, the KDC rekeys to a new Gid instead of
 * refusing: the re-joins go on, and a new node can still join. */
static void test_rejoin_exhaustion(void)
{
  char groups[2048];
  struct h_client a, b;
  struct gkdc_response r;
  struct gkdc_store_group *g = NULL;
  struct gkdc_bytes sid;
  uint64_t num0;
  int rejoined = 0;
  int i;

  snprintf(groups, sizeof(groups), "%s, { name = \"rj\"; max_sender_id_len = 1; " GM " }",
           std_groups);
  restart_expect(groups, 1, NULL);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "rj", &g));
  num0 = g->key_version;
  h_store_ops()->record_free(h_store.state, g);

  client_new(&a, "rj", REQ);
  join(&a, "rj", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&r);
  for (i = 0; i < 300; i++) {
    join(&a, "rj", REQ, J_EMPTY_CRED, GC_NONE, &r);
    if (r.code == GKDC_CODE(2, 4) && key_sid(&r, &sid) && sid.len == 1)
      rejoined++;
    gkdc_response_clear(&r);
  }
  CU_ASSERT_EQUAL(rejoined, 300);

  /* Each new Gid made room for 255 more; the next new node gets one. */
  client_new(&b, "rj", REQ);
  join(&b, "rj", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT(key_sid(&r, &sid) && sid.len == 1);
  gkdc_response_clear(&r);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "rj", &g));
  CU_ASSERT_EQUAL(g->key_version, num0 + 1);
  h_store_ops()->record_free(h_store.state, g);

  restart_expect(std_groups, 1, NULL);
}

/* ---- keying material past its expiration time ---- */

/* The num (9) and exi (12) of a key distribution response. */
static void num_exi(const struct gkdc_response *r, uint64_t *num, uint64_t *exi)
{
  *num = UINT64_MAX;
  *exi = 0;
  CU_ASSERT(h_get_uint(r, GKDC_GC_NUM, num));
  CU_ASSERT(h_get_uint(r, GKDC_GC_EXI, exi));
}

/* At time `now`, GET `path` as `cl` must give 2.05 with `num` and `exi`. */
static void get_num_exi(struct h_client *cl, int64_t now, const char *path, uint64_t num,
                        uint64_t exi)
{
  struct gkdc_response r;
  uint64_t got_num, got_exi;

  h_now_value = now;
  call(cl, GKDC_GET, path, GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  num_exi(&r, &got_num, &got_exi);
  CU_ASSERT_EQUAL(got_num, num);
  CU_ASSERT_EQUAL(got_exi, exi);
  gkdc_response_clear(&r);
}

static void test_expiry(void)
{
  char groups[2048];
  struct h_client a, b;
  struct gkdc_response r;
  struct gkdc_store_group *g = NULL;
  uint64_t num0, num, exi;
  char node[64];
  int64_t t0 = h_now_value;

  snprintf(groups, sizeof(groups), "%s, { name = \"ex\"; exp_lifetime = 5; " GM " }",
           std_groups);
  restart_expect(groups, 1, NULL);
  CU_ASSERT_PTR_NOT_NULL(h_timer_fn);
  CU_ASSERT(h_timer_delay >= 1000 && h_timer_delay <= 5000);

  /* Fresh material: exi is the full lifetime. */
  client_new(&a, "ex", REQ);
  join(&a, "ex", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
  num_exi(&r, &num0, &exi);
  CU_ASSERT_EQUAL(exi, 5);
  snprintf(node, sizeof(node), "ace-group/ex/nodes/%s", node_of(&r));
  gkdc_response_clear(&r);

  /* After exp, a Join gets new material with the residual lifetime, and
   * the observers hear of the rekey. */
  h_now_value = t0 + 6;
  h_notifies = 0;
  client_new(&b, "ex", REQ);
  join(&b, "ex", REQ, J_NORMAL, GC_NONE, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
  num_exi(&r, &num, &exi);
  CU_ASSERT_EQUAL(num, num0 + 1);
  CU_ASSERT_EQUAL(exi, 5);
  CU_ASSERT(h_notifies >= 1 && strcmp(h_last_notify, "ace-group/ex") == 0);
  gkdc_response_clear(&r);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "ex", &g));
  CU_ASSERT_EQUAL(g->key_version, num0 + 1);
  CU_ASSERT_EQUAL(g->exp, t0 + 11);
  h_store_ops()->record_free(h_store.state, g);

  /* GET of the group and of the node resource renew expired material too;
   * before exp nothing changes and exi is what is left. */
  get_num_exi(&a, t0 + 13, "ace-group/ex", num0 + 2, 5);
  get_num_exi(&a, t0 + 20, node, num0 + 3, 5);
  get_num_exi(&a, t0 + 22, "ace-group/ex", num0 + 3, 3);

  /* An idle group: the timer renews it without any request. */
  h_now_value = t0 + 40;
  CU_ASSERT_FATAL(h_timer_fn != NULL);
  h_timer_fn(h_timer_arg);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "ex", &g));
  CU_ASSERT_EQUAL(g->key_version, num0 + 4);
  CU_ASSERT_EQUAL(g->exp, t0 + 45);
  h_store_ops()->record_free(h_store.state, g);
  /* The other groups, far from their exp, stay as they are. */
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
  num = g->key_version;
  h_store_ops()->record_free(h_store.state, g);
  h_timer_fn(h_timer_arg);
  CU_ASSERT_FATAL(h_store_ops()->group_get(h_store.state, "g1", &g));
  CU_ASSERT_EQUAL(g->key_version, num);
  h_store_ops()->record_free(h_store.state, g);

  h_now_value = t0;
  restart_expect(std_groups, 1, NULL);
}

/* ---- the Java test group, configured as the Java test Group Manager ---- */

#define JV_M77_CRED "A2026008A101A4010103272006215820105B8C6A8C88019BF0C354592934130BAA8007399CC2AC3BE845884613D5BA2E"
#define JV_M52_CRED "A2026008A101A401010327200621582077EC358C1D344E41EE0E87B8383D23A2099ACD39BDF989CE45B52E887463389B"

/* The raw bytes of the value of `key` in the map `map`; 1 when present. */
static int jv_value(struct gkdc_bytes map, int64_t key, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  return gkdc_cbor_dec_init(&d, map.ptr, map.len, NULL) == GKDC_CBOR_OK &&
         gkdc_cbor_dec_enter_map(&d, NULL) && gkdc_cbor_dec_map_find_int(&d, key, &v) &&
         gkdc_cbor_dec_get_raw(&v, out);
}

/* 1 when the value of `key` in `map` is exactly the CBOR item `hex`. */
static int jv_is(struct gkdc_bytes map, int64_t key, const char *hex)
{
  uint8_t want[256];
  size_t n = hex2bin(hex, want, sizeof(want));
  struct gkdc_bytes got;

  if (!jv_value(map, key, &got) || got.len != n || memcmp(got.ptr, want, n) != 0) {
    fprintf(stderr, "\n  Java group: key %lld is not %s\n", (long long)key, hex);
    return 0;
  }
  return 1;
}

/*
 * The Java ACE test Group Manager's group "feedca570000": pinned Master
 * Secret, Master Salt, Gid, first Sender ID 0x25, the Ed25519 Group
 * Manager, and the pre-provisioned members 0x77 (roles 6) and 0x52 (roles
 * 2) in that order. The Java client's own Join Request, byte for byte,
 * with its PoP over the fixed N_S, must get a Joining Response with the
 * fields, types and values that client checks, and the members'
 * credentials byte-exact in the order it expects.
 */
static void test_java_group(void)
{
  /* The Java client's Join Request: scope ["feedca570000", 2], get_creds
   * [true, [2, 6], []], its CCS, N_C and Ed25519 PoP over N_S below. */
  static const char join_hex[] =
      "a5034f826c666565646361353730303030020483f582020680055830a2026008a101a4010103"
      "272006215820069e912b83963acc5941b63546867dec106e5b9051f2ee14f3bc5cc961acd43a"
      "064825a8991cd700ac0118185840ca45938fa1d6cdc6aca5cbe0c4c3714fded116b855f42745"
      "660adba70860f23c70af152b40a0bd97519c18eab9784f3561543e67f632cdf421de2f93443a"
      "a804";
  static const uint8_t n_s[] = {0x01, 0x8a, 0x27, 0x8f, 0x7f, 0xaa, 0xb5, 0x5a};
  static const uint8_t n_c[] = {0x25, 0xa8, 0x99, 0x1c, 0xd7, 0x00, 0xac, 0x01};
  /* The Group_OSCORE_Input_Material the Java GM sends to Sender ID 0x25. */
  static const char key_hex[] =
      "ac074125030505489e7ca9222378634002500102030405060708090a0b0c0d0e0f100646feed"
      "ca57f05c080e090a0a270b828101820106040a0c381a0d828101820104";
  uint8_t join_req[256], key_want[128], m77[128], m52[128], gm[128], input[64];
  size_t join_len_j, key_len, m77_len, m52_len, gm_len, input_len = sizeof(input);
  struct h_client cl;
  struct gkdc_response r;
  struct gkdc_bytes body, key, v, kn, kv, nk, nc;
  struct gkdc_cbor_dec d, w;
  size_t count = 0, i;
  uint64_t u = 0;
  int64_t exi = 0;

  restart_expect(
      "{ name = \"feedca570000\"; gid_prefix = \"feedca57\"; rekey_on_leave = false; " GM
      " initial = { master_secret = \"0102030405060708090a0b0c0d0e0f10\";"
      " master_salt = \"9e7ca92223786340\"; gid = \"feedca57f05c\";"
      " exp = 2682374400L; next_sender_id = \"25\"; };"
      " members = ( { node_name = \"feedca57f05c-77\"; token_id = \"7777\"; roles = 6;"
      " sender_id = \"77\"; cred = \"" JV_M77_CRED "\"; },"
      " { node_name = \"feedca57f05c-52\"; token_id = \"5252\"; roles = 2;"
      " sender_id = \"52\"; cred = \"" JV_M52_CRED "\"; } ); }",
      1, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h_kdc.state);

  join_len_j = hex2bin(join_hex, join_req, sizeof(join_req));
  key_len = hex2bin(key_hex, key_want, sizeof(key_want));
  m77_len = hex2bin(JV_M77_CRED, m77, sizeof(m77));
  m52_len = hex2bin(JV_M52_CRED, m52, sizeof(m52));
  gm_len = hex2bin(GM_CRED, gm, sizeof(gm));

  /* A token for Requester; N_S as the fixed challenge of the PoP. */
  client_new(&cl, "feedca570000", REQ);
  CU_ASSERT_FATAL(h_store_ops()->token_set_kdcchallenge(h_store.state, cl.token_id,
                                                        cl.token_id_len, n_s, sizeof(n_s)));
  h_call(&cl, GKDC_POST, "ace-group/feedca570000", GKDC_CF_ACE_GROUPCOMM_CBOR, join_req,
         join_len_j, &r);
  CU_ASSERT_EQUAL_FATAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
  CU_ASSERT(r.location_count == 4 && strcmp(r.location[0], "ace-group") == 0 &&
            strcmp(r.location[1], "feedca570000") == 0 &&
            strcmp(r.location[2], "nodes") == 0);
  body.ptr = r.payload;
  body.len = r.payload_len;

  /* gkty 1, num 0, ace_groupcomm_profile 1, exp as pinned, exi the rest. */
  CU_ASSERT(jv_is(body, GKDC_GC_GKTY, "01"));
  CU_ASSERT(jv_is(body, GKDC_GC_NUM, "00"));
  CU_ASSERT(jv_is(body, GKDC_GC_ACE_GROUPCOMM_PROFILE, "01"));
  CU_ASSERT(jv_is(body, GKDC_GC_EXP, "1a9fe1c900"));
  CU_ASSERT(h_find(&r, &d, GKDC_GC_EXI, &w) && gkdc_cbor_dec_get_int(&w, &exi) &&
            exi == 2682374400LL - h_now_value);
  CU_ASSERT(jv_is(body, GKDC_GC_GROUP_POLICIES, "a201190e100200"));
  if (jv_value(body, GKDC_GC_REKEYING_SCHEME, &v))
    CU_ASSERT(v.len == 1 && v.ptr[0] == 0x00);

  /* key: every field of the Java GM's map with the same value, no other. */
  CU_ASSERT_FATAL(jv_value(body, GKDC_GC_KEY, &key));
  CU_ASSERT(gkdc_cbor_dec_init(&d, key_want, key_len, NULL) == GKDC_CBOR_OK &&
            gkdc_cbor_dec_enter_map(&d, &count));
  for (i = 0; i < count; i++) {
    int64_t label = 0;
    struct gkdc_bytes got;

    CU_ASSERT_FATAL(gkdc_cbor_dec_get_raw(&d, &kn) && gkdc_cbor_dec_get_raw(&d, &kv));
    {
      struct gkdc_cbor_dec l;

      gkdc_cbor_dec_init(&l, kn.ptr, kn.len, NULL);
      CU_ASSERT_FATAL(gkdc_cbor_dec_get_int(&l, &label));
    }
    if (!jv_value(key, label, &got) || got.len != kv.len ||
        memcmp(got.ptr, kv.ptr, kv.len) != 0) {
      fprintf(stderr, "\n  Java group: key field %lld differs\n", (long long)label);
      CU_FAIL("key field");
    }
  }
  CU_ASSERT(gkdc_cbor_dec_init(&d, key.ptr, key.len, NULL) == GKDC_CBOR_OK &&
            gkdc_cbor_dec_enter_map(&d, &i) && i == count);

  /* creds byte-exact in the Java client's order, with their roles and
   * Sender IDs. */
  CU_ASSERT_FATAL(h_find(&r, &d, GKDC_GC_CREDS, &w) && gkdc_cbor_dec_enter_array(&w, &count));
  CU_ASSERT_EQUAL_FATAL(count, 2);
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&w, &v) && v.len == m77_len &&
            memcmp(v.ptr, m77, m77_len) == 0);
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&w, &v) && v.len == m52_len &&
            memcmp(v.ptr, m52, m52_len) == 0);
  CU_ASSERT(jv_is(body, GKDC_GC_PEER_ROLES, "820602"));
  CU_ASSERT(jv_is(body, GKDC_GC_PEER_IDENTIFIERS, "8241774152"));

  /* kdc_cred is the Group Manager's CCS; kdc_cred_verify an Ed25519
   * signature over bstr(N_C) | bstr(N_KDC). */
  CU_ASSERT(h_get_bstr(&r, GKDC_GC_KDC_CRED, &v) && v.len == gm_len &&
            memcmp(v.ptr, gm, gm_len) == 0);
  CU_ASSERT_FATAL(h_get_bstr(&r, GKDC_GC_KDC_NONCE, &nk) && nk.len >= 8);
  nc.ptr = n_c;
  nc.len = sizeof(n_c);
  CU_ASSERT_FATAL(gkdc_pop_input_kdc(nc, nk, input, &input_len));
  CU_ASSERT(h_get_bstr(&r, GKDC_GC_KDC_CRED_VERIFY, &v) && v.len == 64 &&
            gkdc_crypto_verify(&h_crypto, GKDC_COSE_ALG_EDDSA, gm + gm_len - 32, 32, input,
                               input_len, v.ptr, v.len));
  gkdc_response_clear(&r);

  /* GET /ace-group/feedca570000: the same material without the Sender ID. */
  h_call(&cl, GKDC_GET, "ace-group/feedca570000", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  body.ptr = r.payload;
  body.len = r.payload_len;
  CU_ASSERT(jv_value(body, GKDC_GC_KEY, &key) && !jv_value(key, GKDC_OSC_KEY_GROUP_SENDERID, &v));
  CU_ASSERT(jv_value(body, GKDC_GC_KEY, &key) && jv_is(key, 6, "46feedca57f05c"));
  CU_ASSERT(h_get_uint(&r, GKDC_GC_NUM, &u) && u == 0);
  gkdc_response_clear(&r);

  restart_expect(std_groups, 1, NULL);
}

/* ---- request bodies of every resource that takes one ---- */

/*
 * For each resource and method with a request body: the wrong
 * Content-Format (4.15), bodies of the wrong CBOR type or with a value of
 * the wrong type, trailing bytes and missing parameters (4.00), and a
 * valid body with an unknown parameter, which is ignored. `who` 0 is a
 * Requester+Responder member, 1 a Verifier non-member. Join Requests
 * answered 4.00 carry a CF 261 map (OSCORE profile, section 6.2).
 */
static void test_request_bodies(void)
{
  static const struct {
    int who;
    const char *rest; /* "/" is the root; "@" the member's node */
    uint32_t method;
    int32_t cf;
    const char *hex;
    uint8_t code;
  } rows[] = {
      {1, "/", GKDC_FETCH, GKDC_CF_CBOR, "a1008141ff", GKDC_CODE(4, 15)},
      {1, "/", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "80", GKDC_CODE(4, 0)},
      {1, "/", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a1006161", GKDC_CODE(4, 0)},
      {1, "/", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a1008101", GKDC_CODE(4, 0)},
      {1, "/", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10081410000", GKDC_CODE(4, 0)},
      {1, "/", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a20081410018c86161", GKDC_CODE(2, 5)},
      {0, "creds", GKDC_FETCH, GKDC_CF_CBOR, "a10483f5810480", GKDC_CODE(4, 15)},
      {0, "creds", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "80", GKDC_CODE(4, 0)},
      {0, "creds", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a1046161", GKDC_CODE(4, 0)},
      {0, "creds", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10483f581048000", GKDC_CODE(4, 0)},
      {0, "creds", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10483f5816161 80", GKDC_CODE(4, 0)},
      {0, "creds", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a20483f581048018c801",
       GKDC_CODE(2, 5)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_CBOR, "a106480102030405060708", GKDC_CODE(4, 15)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "80", GKDC_CODE(4, 0)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a0", GKDC_CODE(4, 0)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10601", GKDC_CODE(4, 0)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10648010203040506070800",
       GKDC_CODE(4, 0)},
      {1, "kdc-cred", GKDC_FETCH, GKDC_CF_ACE_GROUPCOMM_CBOR, "a206480102030405060708 18c800",
       GKDC_CODE(2, 5)},
      /* text/plain (0); CF 60, 261 and none are accepted. */
      {0, "stale-sids", GKDC_FETCH, 0, "00", GKDC_CODE(4, 15)},
      {0, "stale-sids", GKDC_FETCH, GKDC_CF_CBOR, "6161", GKDC_CODE(4, 0)},
      {0, "stale-sids", GKDC_FETCH, GKDC_CF_CBOR, "20", GKDC_CODE(4, 0)},
      {0, "stale-sids", GKDC_FETCH, GKDC_CF_CBOR, "0000", GKDC_CODE(4, 0)},
      {0, "stale-sids", GKDC_FETCH, GKDC_CF_CBOR, "", GKDC_CODE(4, 0)},
      {0, "nodes/@/cred", GKDC_POST, GKDC_CF_CBOR, "a0", GKDC_CODE(4, 15)},
      {0, "nodes/@/cred", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "80", GKDC_CODE(4, 0)},
      {0, "nodes/@/cred", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "a0", GKDC_CODE(4, 0)},
      {0, "nodes/@/cred", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR,
       "a30501064801020304050607081818420102", GKDC_CODE(4, 0)},
      {0, "", GKDC_POST, GKDC_CF_CBOR, "a0", GKDC_CODE(4, 15)},
      {0, "", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "80", GKDC_CODE(4, 0)},
      {0, "", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "a10301", GKDC_CODE(4, 0)},
      {0, "", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "a1034582626731 06 00", GKDC_CODE(4, 0)},
      {0, "", GKDC_POST, GKDC_CF_ACE_GROUPCOMM_CBOR, "a20345826267310606 6161",
       GKDC_CODE(4, 0)},
  };
  struct h_client cl[2];
  char node[64];
  size_t i;

  client_new(&cl[0], "g1", REQ | RSP);
  joined(&cl[0], "g1", REQ | RSP, 6);
  snprintf(node, sizeof(node), "%s", node_buf[6]);
  client_new(&cl[1], "g1", VER);

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    uint8_t body[64];
    size_t len = 0;
    const char *h = rows[i].hex;
    char path[160];
    struct gkdc_response r;
    unsigned v;

    while (*h != '\0' && len < sizeof(body)) {
      if (*h == ' ') {
        h++;
        continue;
      }
      CU_ASSERT_FATAL(sscanf(h, "%2x", &v) == 1);
      body[len++] = (uint8_t)v;
      h += 2;
    }
    if (strcmp(rows[i].rest, "/") == 0)
      snprintf(path, sizeof(path), "ace-group");
    else if (strncmp(rows[i].rest, "nodes/@", 7) == 0)
      snprintf(path, sizeof(path), "ace-group/g1/nodes/%s%s", node, rows[i].rest + 7);
    else
      snprintf(path, sizeof(path), "ace-group/g1%s%s", rows[i].rest[0] ? "/" : "",
               rows[i].rest);
    h_call(&cl[rows[i].who], rows[i].method, path, rows[i].cf, len > 0 ? body : NULL, len,
           &r);
    if (r.code != rows[i].code)
      fprintf(stderr, "\n  body row %zu: %s %s got %d.%02d\n", i, path, rows[i].hex,
              GKDC_CODE_CLASS(r.code), GKDC_CODE_DETAIL(r.code));
    CU_ASSERT_EQUAL(r.code, rows[i].code);
    if (rows[i].rest[0] == '\0' && r.code == GKDC_CODE(4, 0)) {
      struct gkdc_bytes b;

      CU_ASSERT_EQUAL(r.content_format, GKDC_CF_ACE_GROUPCOMM_CBOR);
      CU_ASSERT(!h_get_bstr(&r, GKDC_GC_KDCCHALLENGE, &b));
      {
        struct gkdc_cbor_dec d, w;

        CU_ASSERT(h_find(&r, &d, GKDC_GC_SIGN_INFO, &w) &&
                  gkdc_cbor_dec_peek_type(&w) == GKDC_CBOR_TYPE_ARRAY);
      }
    }
    gkdc_response_clear(&r);
  }
}

/* ---- a configured root path ---- */

static void test_root_path(void)
{
  struct h_client a;
  struct gkdc_response r;

  h_stop();
  snprintf(config_text, sizeof(config_text),
           "plugin_config = {\n"
           "  store-sqlite = { path = \"%s/kdc.db\"; };\n"
           "  kdc-groupcomm = { root_path = \"kdc/groups\"; groups = ( %s ); };\n"
           "};\n",
           h_dir, std_groups);
  CU_ASSERT_FATAL(h_start(config_text));

  /* The operation reports the configured path, the table the default. */
  CU_ASSERT_PTR_NOT_NULL_FATAL(h_kdc_ops()->root_path_get);
  CU_ASSERT_STRING_EQUAL(h_kdc_ops()->root_path_get(h_kdc.state), "kdc/groups");
  CU_ASSERT_STRING_EQUAL(h_kdc_ops()->root_path, GKDC_KDC_ROOT_PATH);

  /* Resources live below it, and the Location-Path names it. */
  client_new(&a, "g1", REQ);
  join_payload(&a, "g1", REQ, J_NORMAL, GC_NONE);
  h_call(&a, GKDC_POST, "kdc/groups/g1", GKDC_CF_ACE_GROUPCOMM_CBOR, join_buf, join_len, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 1));
  CU_ASSERT(r.location_count == 5 && strcmp(r.location[0], "kdc") == 0 &&
            strcmp(r.location[1], "groups") == 0 && strcmp(r.location[2], "g1") == 0 &&
            strcmp(r.location[3], "nodes") == 0);
  gkdc_response_clear(&r);
  h_call(&a, GKDC_GET, "kdc/groups/g1/num", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(2, 5));
  gkdc_response_clear(&r);
  h_call(&a, GKDC_GET, "ace-group/g1/num", GKDC_CF_NONE, NULL, 0, &r);
  CU_ASSERT_EQUAL(r.code, GKDC_CODE(4, 4));
  gkdc_response_clear(&r);

  restart_expect(std_groups, 1, NULL);
}

/* ---- the joining node's operations (no plugin state needed) ---- */

static struct h_plugin client_kdc;
static const struct gkdc_kdc_ops *cops;

static int client_suite_init(void)
{
  if (!h_load(H_KDC, GKDC_PLUGIN_KDC, "kdc-groupcomm", &client_kdc))
    return -1;
  cops = client_kdc.desc->ops;
  return 0;
}

static int client_suite_clean(void)
{
  h_unload(&client_kdc);
  return 0;
}

static void test_client_join_request(void)
{
  static const uint8_t scope[] = {0x82, 0x62, 'g', '1', 0x06};
  static const uint8_t n_c[] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const uint64_t roles[] = {REQ, RSP};
  struct gkdc_kdc_join_args args;
  uint8_t out[128];
  size_t len = sizeof(out);
  int err = 0;
  /* {3: h'8262673106', 4: [true, [2, 4], []], 5: h'', 6: h'0102..08',
   *  26: "coap://[::1]/cb"} */
  static const uint8_t want[] = {
      0xa5, 0x03, 0x45, 0x82, 0x62, 'g', '1', 0x06, 0x04, 0x83, 0xf5, 0x82, 0x02, 0x04,
      0x80, 0x05, 0x40, 0x06, 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 0x18, 0x1a, 0x6f,
      'c', 'o', 'a', 'p', ':', '/', '/', '[', ':', ':', '1', ']', '/', 'c', 'b'};

  memset(&args, 0, sizeof(args));
  args.size = sizeof(args);
  args.scope_entry.ptr = scope;
  args.scope_entry.len = sizeof(scope);
  args.get_creds = 1;
  args.get_creds_roles = roles;
  args.get_creds_role_count = 2;
  args.client_cred.ptr = (const uint8_t *)"";
  args.cnonce.ptr = n_c;
  args.cnonce.len = sizeof(n_c);
  args.control_uri = "coap://[::1]/cb";
  CU_ASSERT_FATAL(cops->join_request_build(NULL, &args, out, &len, &err));
  CU_ASSERT_EQUAL(len, sizeof(want));
  CU_ASSERT(len == sizeof(want) && memcmp(out, want, len) == 0);

  /* Too small a buffer, a missing cnonce. */
  len = 10;
  CU_ASSERT(!cops->join_request_build(NULL, &args, out, &len, &err));
  CU_ASSERT_EQUAL(err, GKDC_KDC_ERR_BUFFER);
  args.cnonce.len = 0;
  len = sizeof(out);
  CU_ASSERT(!cops->join_request_build(NULL, &args, out, &len, &err));
  CU_ASSERT_EQUAL(err, GKDC_KDC_ERR_MALFORMED);
}

static void test_client_key_dist_parse(void)
{
  /* {7: 1, 8: {2: h'00', 6: h'37fc'}, 9: 12, 10: 1, 11: 1609459200,
   *  12: 2592000, 17: h'aa', 18: h'bb', 19: h'cc'} */
  static const uint8_t good[] = {
      0xa9, 0x07, 0x01, 0x08, 0xa2, 0x02, 0x41, 0x00, 0x06, 0x42, 0x37, 0xfc, 0x09, 0x0c,
      0x0a, 0x01, 0x0b, 0x1a, 0x5f, 0xee, 0x66, 0x00, 0x0c, 0x1a, 0x00, 0x27, 0x8d, 0x00,
      0x11, 0x41, 0xaa, 0x12, 0x41, 0xbb, 0x13, 0x41, 0xcc};
  static const uint8_t no_num[] = {0xa2, 0x07, 0x01, 0x08, 0xa0};
  static const uint8_t exp_only[] = {0xa4, 0x07, 0x01, 0x08, 0xa0, 0x09, 0x00, 0x0b, 0x01};
  static const uint8_t bad_type[] = {0xa3, 0x07, 0x01, 0x08, 0xa0, 0x09, 0x41, 0x00};
  struct gkdc_kdc_key_dist kd;
  int err = 0;

  memset(&kd, 0, sizeof(kd));
  kd.size = sizeof(kd);
  CU_ASSERT_FATAL(cops->key_dist_parse(NULL, good, sizeof(good), &kd, &err));
  CU_ASSERT_EQUAL(kd.gkty, 1);
  CU_ASSERT_EQUAL(kd.num, 12);
  CU_ASSERT(kd.has_exp && kd.exp == 1609459200);
  CU_ASSERT(kd.has_exi && kd.exi == 2592000);
  CU_ASSERT(kd.has_profile && kd.ace_groupcomm_profile == 1);
  CU_ASSERT_EQUAL(kd.key.len, 8);
  CU_ASSERT(kd.kdc_cred_present && kd.kdc_cred.len == 1 && kd.kdc_cred.ptr[0] == 0xaa);
  CU_ASSERT(kd.kdc_cred_verify.len == 1 && kd.kdc_cred_verify.ptr[0] == 0xcc);
  CU_ASSERT_EQUAL(kd.creds.len, 0);
  CU_ASSERT(!cops->key_dist_parse(NULL, no_num, sizeof(no_num), &kd, &err));
  CU_ASSERT_EQUAL(err, GKDC_KDC_ERR_MALFORMED);
  CU_ASSERT(!cops->key_dist_parse(NULL, exp_only, sizeof(exp_only), &kd, &err));
  CU_ASSERT(!cops->key_dist_parse(NULL, bad_type, sizeof(bad_type), &kd, &err));
  CU_ASSERT(!cops->key_dist_parse(NULL, good, sizeof(good) - 1, &kd, &err));
}

static void test_client_token_transfer(void)
{
  static const uint8_t want[] = {0x18, 0x2d, 0xf6, 0x18, 0x2f, 0xf6, 0x18, 0x30, 0xf6};
  /* {45: [["g1", -8, [1], [1, 6], 14]], 46: h'0102030405060708'} */
  static const uint8_t resp[] = {0xa2, 0x18, 0x2d, 0x81, 0x85, 0x62, 'g', '1', 0x27, 0x81,
                                 0x01, 0x82, 0x01, 0x06, 0x0e, 0x18, 0x2e, 0x48, 1, 2, 3, 4,
                                 5, 6, 7, 8};
  static const uint8_t bad[] = {0xa1, 0x18, 0x2e, 0x01};
  uint8_t out[16];
  size_t len = sizeof(out), count = 0;
  struct gkdc_kdc_token_transfer_info info;
  int err = 0;

  CU_ASSERT_FATAL(cops->token_transfer_request(
      NULL, GKDC_KDC_ASK_SIGN_INFO | GKDC_KDC_ASK_ECDH_INFO | GKDC_KDC_ASK_KDC_DH_CREDS, out,
      &len, &count, &err));
  CU_ASSERT_EQUAL(count, 3);
  CU_ASSERT(len == sizeof(want) && memcmp(out, want, len) == 0);
  CU_ASSERT(!cops->token_transfer_request(NULL, 0x80, out, &len, &count, &err));

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  CU_ASSERT_FATAL(cops->token_transfer_response_parse(NULL, resp, sizeof(resp), &info, &err));
  CU_ASSERT_EQUAL(info.kdcchallenge.len, 8);
  CU_ASSERT_EQUAL(info.sign_info.len, 12);
  CU_ASSERT_EQUAL(info.ecdh_info.len, 0);
  CU_ASSERT(!cops->token_transfer_response_parse(NULL, bad, sizeof(bad), &info, &err));
}

int main(void)
{
  CU_pSuite s;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("kdc-groupcomm joining node", client_suite_init, client_suite_clean);
  CU_add_test(s, "join request build", test_client_join_request);
  CU_add_test(s, "key distribution parse", test_client_key_dist_parse);
  CU_add_test(s, "token transfer parameters", test_client_token_transfer);

  /* NOTE: the KDC suite needs the appprofile plugin; without it only the
   * joining node's operations are tested. */
  if (!h_have_appprofile()) {
    printf("the KDC suite is skipped: the appprofile-group-oscore plugin is not built\n");
    return gkdc_test_run();
  }
  s = CU_add_suite("kdc-groupcomm", suite_init, suite_clean);
  CU_add_test(s, "routes", test_routes);
  CU_add_test(s, "token transfer", test_token_transfer);
  CU_add_test(s, "join", test_join_success);
  CU_add_test(s, "join errors", test_join_errors);
  CU_add_test(s, "re-join", test_rejoin);
  CU_add_test(s, "resources", test_resources);
  CU_add_test(s, "inactive group", test_inactive_group);
  CU_add_test(s, "stale Sender IDs", test_stale_sids);
  CU_add_test(s, "extended scope", test_extended_scope);
  CU_add_test(s, "token end", test_token_end);
  CU_add_test(s, "authorization matrix", test_matrix);
  CU_add_test(s, "Sender ID exhaustion", test_exhaustion);
  CU_add_test(s, "re-joins past the Sender IDs", test_rejoin_exhaustion);
  CU_add_test(s, "Sender IDs at scale", test_sender_id_scale);
  CU_add_test(s, "ES256 group", test_es256_group);
  CU_add_test(s, "rekey on join", test_rekey_on_join);
  CU_add_test(s, "errors of every resource", test_common_errors);
  CU_add_test(s, "hostile join requests", test_join_hostile);
  CU_add_test(s, "forced removal", test_eviction);
  CU_add_test(s, "group deletion", test_group_delete);
  CU_add_test(s, "configuration checks", test_config_checks);
  CU_add_test(s, "expired keying material", test_expiry);
  CU_add_test(s, "configuration messages", test_config_messages);
  CU_add_test(s, "Java test group", test_java_group);
  CU_add_test(s, "configured root path", test_root_path);
  CU_add_test(s, "request bodies", test_request_bodies);
  return gkdc_test_run();
}
