/*
 * Tests of the as-token plugin: it is loaded from the build tree with a
 * fake host whose crypto adapter serves alg-boringssl (and, in one suite,
 * whose store is store-sqlite on a temporary file). The tests call the
 * /token handler with fake DTLS peers, decrypt each token with the key of
 * its audience and check every claim and the cnf, and check each error
 * response, the DTLS PSK lookup, the counters and the config checks.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <gkdc/as.h>
#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/cwt.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/store.h>

#include "gkdc-test.h"
#include "internal.h"

#define P_ALG "plugins/alg-boringssl/.libs/alg-boringssl.so"
#define P_STORE "plugins/store-sqlite/.libs/store-sqlite.so"
#define P_AS "plugins/as-token/.libs/as-token.so"

#define NOW 1800000000

/* ---- fake host ---- */

struct plugin {
  void *dl;
  const struct gkdc_plugin_desc *desc;
  void *state;
  const char *section;
};

static struct plugin alg, store, as;
static struct gkdc_crypto crypto;
static struct gkdc_provider alg_provider;
static struct gkdc_host_api host;
static int use_store;
static char state_dir[256];
static char last_error[512];

static gkdc_handler_fn token_handler;
static void *token_arg;
static char token_route[64];
static uint32_t token_methods;
static gkdc_dtls_psk_fn psk_fn;
static void *psk_arg;
static int psk_taken; /* 1: dtls_psk_set fails as if another plugin had it */

static void fake_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  char msg[512];

  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (level <= GKDC_LOG_ERR)
    snprintf(last_error, sizeof(last_error), "%s", msg);
  if (getenv("GKDC_TEST_VERBOSE") != NULL)
    fprintf(stderr, "[%d] %s\n", level, msg);
}

static void fake_log(gkdc_plugin *self, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fake_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fake_vlog(self, level, fmt, ap);
  va_end(ap);
}

static int fake_log_enabled(int level) { return 1; }

static const gkdc_cfg *fake_config_get0(gkdc_plugin *self)
{
  return gkdc_config_plugin_section(((struct plugin *)self)->section);
}

static const gkdc_cfg *fake_config_root_get0(void) { return gkdc_config_root(); }

static int fake_route_add(gkdc_plugin *self, const struct gkdc_route *r)
{
  if (token_handler != NULL)
    return 0;
  snprintf(token_route, sizeof(token_route), "%s", r->path);
  token_methods = r->methods;
  token_handler = r->handler;
  token_arg = r->arg;
  return 1;
}

static int fake_route_remove(gkdc_plugin *self, const char *path)
{
  token_handler = NULL;
  return 1;
}

static int fake_dtls_psk_set(gkdc_plugin *self, gkdc_dtls_psk_fn fn, void *arg)
{
  if (psk_taken || psk_fn != NULL)
    return 0;
  psk_fn = fn;
  psk_arg = arg;
  return 1;
}

/* A store whose counters fail, as on a full disk. */
static int broken_last_error(void *st) { return GKDC_STORE_E_IO; }
static const char *broken_detail(void *st) { return "disk full"; }
static int broken_counter(void *st, const char *name, uint64_t *value) { return 0; }
static const struct gkdc_store_ops broken_store_ops = {
    .size = sizeof(struct gkdc_store_ops),
    .last_error = broken_last_error,
    .last_error_detail = broken_detail,
    .counter_next = broken_counter,
};
static int use_broken_store;

static int fake_get_store(struct gkdc_provider *out)
{
  if (use_broken_store) {
    out->ops = &broken_store_ops;
    out->state = NULL;
    out->plugin_name = "broken-store";
    return 1;
  }
  if (!use_store || store.state == NULL)
    return 0;
  out->ops = store.desc->ops;
  out->state = store.state;
  out->plugin_name = store.desc->name;
  return 1;
}

static const struct gkdc_crypto *fake_crypto_get0(void) { return &crypto; }
static int64_t fake_now(void) { return NOW; }
static const char *fake_state_dir(void) { return state_dir; }

static int load(const char *rel, uint32_t kind, const char *section, struct plugin *p)
{
  char path[1024];
  gkdc_plugin_entry_fn entry;

  memset(p, 0, sizeof(*p));
  p->section = section;
  snprintf(path, sizeof(path), "%s/%s", TOP_BUILDDIR, rel);
  p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (p->dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 0;
  }
  *(void **)&entry = dlsym(p->dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL || (p->desc = entry()) == NULL || p->desc->kind != kind ||
      p->desc->build_signature != GKDC_BUILD_SIGNATURE) {
    fprintf(stderr, "%s: not a plugin of kind %u\n", path, (unsigned)kind);
    return 0;
  }
  return 1;
}

static int init(struct plugin *p)
{
  p->state = NULL;
  if (!p->desc->init((gkdc_plugin *)p, &host, &p->state)) {
    p->state = NULL;
    return 0;
  }
  return 1;
}

static void fini(struct plugin *p)
{
  if (p->desc != NULL && p->state != NULL)
    p->desc->fini(p->state);
  p->state = NULL;
}

static void unload(struct plugin *p)
{
  fini(p);
  if (p->dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(p->dl);
  memset(p, 0, sizeof(*p));
}

/* ---- configuration ---- */

/* Keys of the audiences, as the resource servers hold them. */
static const uint8_t key1[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t key2[16] = {0xa1, 0xa2, 0xa3, 0x04, 0x05, 0x06, 0x07, 0x08,
                                 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
static const uint8_t key3[16] = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
                                 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0};

/* kdc1: RFC defaults. kdc2: the Java settings (alg 30, ms, exi, cti
 * "rs2N"). kdc3: exi in seconds with a binary cti and an untagged token. */
static const char *config_text =
    "plugin_config = {\n"
    "  as-token = {\n"
    "    issuer = \"test-as\";\n"
    "    audiences = (\n"
    "      { name = \"kdc1\"; key = \"000102030405060708090a0b0c0d0e0f\"; kid = \"6b31\"; },\n"
    "      { name = \"kdc2\"; key = \"a1a2a30405060708090a0b0c0d0e0f10\";\n"
    "        alg = \"AES-CCM-16-128-128\"; lifetime = 600; time_unit = \"ms\";\n"
    "        expiry = \"exi\"; cti_format = \"java\"; rs_id = \"rs2\"; salt_len = 8; },\n"
    "      { name = \"kdc3\"; key = \"b1b2b3b4b5b6b7b8b9babbbcbdbebfc0\"; alg = 10;\n"
    "        expiry = \"exi\"; rs_id = \"rs3\"; cose_tag = false; lifetime = 100;\n"
    "        osc_hkdf = 7; osc_alg = 30; }\n"
    "    );\n"
    "    clients = (\n"
    "      { id = \"client1\"; identity = \"c1-identity\";\n"
    "        psk = \"63312d6b65792d30313233343536\";\n"
    "        audiences = [ \"kdc1\", \"kdc2\", \"kdc3\" ];\n"
    "        scope = ( { group = \"g1\"; roles = [ \"requester\", \"responder\" ]; },\n"
    "                  { group = \"g2\"; tperm = 8; } ); },\n"
    "      { id = \"client2\"; psk = \"6332\"; audiences = [ \"kdc2\" ];\n"
    "        scope = ( { group = \"g1\"; roles = [ \"requester\" ]; } ); },\n"
    "      { id = \"client3\"; identity_hex = \"a10041ff\"; psk = \"6333\";\n"
    "        audiences = [ \"kdc1\" ]; scope = ( { group = \"g2\"; tperm = 2; } ); }\n"
    "    );\n"
    "  };\n"
    "  store-sqlite = { };\n"
    "};\n";

/* Loads `text` and initializes the AS (and the store when use_store). */
static int start(const char *text)
{
  token_handler = NULL;
  psk_fn = NULL;
  last_error[0] = '\0';
  if (!gkdc_config_load_string(text)) {
    fprintf(stderr, "test config rejected\n");
    return 0;
  }
  if (use_store && !init(&store)) {
    fprintf(stderr, "store-sqlite failed to start\n");
    return 0;
  }
  return init(&as);
}

static void stop(void)
{
  fini(&as);
  fini(&store);
  gkdc_config_free();
}

static int suite_init(void)
{
  use_store = 0;
  return start(config_text) ? 0 : -1;
}

static int suite_clean(void)
{
  stop();
  return 0;
}

static int store_suite_init(void)
{
  use_store = 1;
  return start(config_text) ? 0 : -1;
}

static int store_suite_clean(void)
{
  stop();
  use_store = 0;
  return 0;
}

/* ---- requests ---- */

static struct gkdc_peer peer_dtls(const char *identity)
{
  struct gkdc_peer p;

  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.transport = GKDC_TRANSPORT_DTLS;
  p.address = "127.0.0.1:40000";
  p.identity.ptr = (const uint8_t *)identity;
  p.identity.len = strlen(identity);
  return p;
}

/* Calls the /token handler; the response must be cleared by the caller. */
static void call(const struct gkdc_peer *peer, uint32_t method, int32_t cf,
                 const uint8_t *payload, size_t len, struct gkdc_response *resp)
{
  struct gkdc_bytes seg = {(const uint8_t *)"token", 5};
  struct gkdc_request req;

  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.method = method;
  req.path = &seg;
  req.path_count = 1;
  req.content_format = cf;
  req.accept = GKDC_CF_NONE;
  req.payload = payload;
  req.payload_len = len;
  req.observe = GKDC_OBSERVE_NONE;
  req.peer = peer;
  gkdc_response_init(resp);
  CU_ASSERT_PTR_NOT_NULL_FATAL(token_handler);
  CU_ASSERT_EQUAL(token_handler(token_arg, &req, resp), GKDC_HANDLED);
}

/* A token request map; NULL/absent fields are left out. */
struct token_req {
  const char *audience;
  const uint8_t *scope;
  size_t scope_len;
  const char *text_scope;
  int grant_type; /* -1: absent */
  int ace_profile; /* -1: absent, 0: null */
  const uint8_t *req_cnf;
  size_t req_cnf_len;
  const uint8_t *cnonce;
  size_t cnonce_len;
  const char *client_id;
};

#define TOKEN_REQ_INIT {NULL, NULL, 0, NULL, -1, -1, NULL, 0, NULL, 0, NULL}

static size_t encode_req(const struct token_req *r, uint8_t *buf, size_t cap)
{
  struct gkdc_cbor_enc e;
  size_t mark, pairs = 0, len = 0;

  gkdc_cbor_enc_init(&e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  if (r->audience != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_AUDIENCE);
    gkdc_cbor_enc_put_tstr_z(&e, r->audience);
    pairs++;
  }
  if (r->scope != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SCOPE);
    gkdc_cbor_enc_put_bstr(&e, r->scope, r->scope_len);
    pairs++;
  } else if (r->text_scope != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SCOPE);
    gkdc_cbor_enc_put_tstr_z(&e, r->text_scope);
    pairs++;
  }
  if (r->grant_type >= 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_GRANT_TYPE);
    gkdc_cbor_enc_put_uint(&e, (uint64_t)r->grant_type);
    pairs++;
  }
  if (r->ace_profile >= 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ACE_PROFILE);
    if (r->ace_profile == 0)
      gkdc_cbor_enc_put_null(&e);
    else
      gkdc_cbor_enc_put_uint(&e, (uint64_t)r->ace_profile);
    pairs++;
  }
  if (r->req_cnf != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_REQ_CNF);
    gkdc_cbor_enc_put_raw(&e, r->req_cnf, r->req_cnf_len);
    pairs++;
  }
  if (r->cnonce != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_CNONCE);
    gkdc_cbor_enc_put_bstr(&e, r->cnonce, r->cnonce_len);
    pairs++;
  }
  if (r->client_id != NULL) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_CLIENT_ID);
    gkdc_cbor_enc_put_tstr_z(&e, r->client_id);
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
  return len;
}

/* Sends a token request from the DTLS peer `identity`. */
static void request(const char *identity, const struct token_req *r,
                    struct gkdc_response *resp)
{
  struct gkdc_peer peer = peer_dtls(identity);
  uint8_t buf[512];
  size_t len = encode_req(r, buf, sizeof(buf));

  call(&peer, GKDC_POST, GKDC_CF_ACE_CBOR, buf, len, resp);
}

/* ---- reading responses and tokens ---- */

/* Positions `v` on the value of integer key `key` of the map in `buf`. */
static int map_find(const uint8_t *buf, size_t len, struct gkdc_cbor_dec *d, int64_t key,
                    struct gkdc_cbor_dec *v)
{
  if (gkdc_cbor_dec_init(d, buf, len, NULL) != GKDC_CBOR_OK ||
      gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP || !gkdc_cbor_dec_enter_map(d, NULL))
    return 0;
  return gkdc_cbor_dec_map_find_int(d, key, v);
}

static int map_has(const uint8_t *buf, size_t len, int64_t key)
{
  struct gkdc_cbor_dec d, v;

  return map_find(buf, len, &d, key, &v);
}

static int map_uint(const uint8_t *buf, size_t len, int64_t key, uint64_t *out)
{
  struct gkdc_cbor_dec d, v;

  return map_find(buf, len, &d, key, &v) && gkdc_cbor_dec_get_uint(&v, out);
}

static int map_bstr(const uint8_t *buf, size_t len, int64_t key, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  return map_find(buf, len, &d, key, &v) && gkdc_cbor_dec_get_bstr(&v, out);
}

static int map_raw(const uint8_t *buf, size_t len, int64_t key, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  return map_find(buf, len, &d, key, &v) && gkdc_cbor_dec_get_raw(&v, out);
}

static int map_count(const uint8_t *buf, size_t len)
{
  struct gkdc_cbor_dec d;
  size_t n = 0;

  if (gkdc_cbor_dec_init(&d, buf, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &n))
    return -1;
  return (int)n;
}

/* Checks an OAuth error response: code, Content-Format 19 and error. */
static void check_error(const struct gkdc_response *r, uint8_t code, uint64_t error)
{
  uint64_t got = 0;
  struct gkdc_bytes description;
  struct gkdc_cbor_dec d, v;

  CU_ASSERT_EQUAL(r->code, code);
  CU_ASSERT_EQUAL(r->content_format, GKDC_CF_ACE_CBOR);
  CU_ASSERT(map_uint(r->payload, r->payload_len, GKDC_OAUTH_ERROR, &got));
  CU_ASSERT_EQUAL(got, error);
  CU_ASSERT(map_find(r->payload, r->payload_len, &d, GKDC_OAUTH_ERROR_DESCRIPTION, &v) &&
            gkdc_cbor_dec_get_tstr(&v, &description) && description.len > 0);
}

/* A decrypted token. */
struct token {
  struct gkdc_cose_msg msg;
  uint8_t plain[1024];
  size_t plain_len;
  struct gkdc_cwt_claims claims;
};

/* Parses and decrypts the access_token of a 2.01 response with `key`
 * (the RS side) and parses its claims. */
static int open_token(const struct gkdc_response *r, const uint8_t *key, size_t key_len,
                      int32_t alg, int tagged, struct token *t)
{
  struct gkdc_bytes at;

  memset(t, 0, sizeof(*t));
  if (!map_bstr(r->payload, r->payload_len, GKDC_OAUTH_ACCESS_TOKEN, &at))
    return 0;
  /* The token's bytes stay in the response, which outlives `t`. */
  CU_ASSERT_EQUAL(at.ptr[0] == 0xd0, tagged);
  if (gkdc_cose_parse(at.ptr, at.len, GKDC_COSE_ENCRYPT0, &t->msg) != GKDC_COSE_OK)
    return 0;
  CU_ASSERT_EQUAL(t->msg.type, GKDC_COSE_ENCRYPT0);
  CU_ASSERT_EQUAL(t->msg.tagged, tagged);
  CU_ASSERT(t->msg.hdr.has_alg);
  CU_ASSERT_EQUAL(t->msg.hdr.alg, alg);
  CU_ASSERT_EQUAL(t->msg.hdr.iv.len, 13);
  t->plain_len = sizeof(t->plain);
  if (gkdc_cose_encrypt0_decrypt(&crypto, &t->msg, alg, key, key_len, NULL, 0, t->plain,
                                 &t->plain_len) != GKDC_COSE_OK)
    return 0;
  return gkdc_cwt_claims_parse(t->plain, t->plain_len, &t->claims) == GKDC_CBOR_OK;
}

/* The parts of an OSCORE_Input_Material in cnf {4: {...}}. */
struct osc {
  struct gkdc_bytes id, ms, salt;
  int64_t hkdf, alg;
  int has_salt;
  int count;
};

static int parse_osc(struct gkdc_bytes cnf, struct osc *o)
{
  struct gkdc_cbor_dec d, m, v;
  size_t n = 0;

  memset(o, 0, sizeof(*o));
  if (gkdc_cbor_dec_init(&d, cnf.ptr, cnf.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &n) || n != 1 || !gkdc_cbor_dec_map_find_int(&d, 4, &m) ||
      !gkdc_cbor_dec_enter_map(&m, &n))
    return 0;
  o->count = (int)n;
  if (!gkdc_cbor_dec_map_find_int(&m, 0, &v) || !gkdc_cbor_dec_get_bstr(&v, &o->id) ||
      !gkdc_cbor_dec_map_find_int(&m, 2, &v) || !gkdc_cbor_dec_get_bstr(&v, &o->ms) ||
      !gkdc_cbor_dec_map_find_int(&m, 3, &v) || !gkdc_cbor_dec_get_int(&v, &o->hkdf) ||
      !gkdc_cbor_dec_map_find_int(&m, 4, &v) || !gkdc_cbor_dec_get_int(&v, &o->alg))
    return 0;
  if (gkdc_cbor_dec_map_find_int(&m, 5, &v)) {
    o->has_salt = 1;
    if (!gkdc_cbor_dec_get_bstr(&v, &o->salt))
      return 0;
  }
  return 1;
}

static uint64_t be64(const uint8_t *p)
{
  uint64_t v = 0;
  int i;

  for (i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

static int bytes_eq(struct gkdc_bytes a, const void *b, size_t len)
{
  return a.len == len && (len == 0 || memcmp(a.ptr, b, len) == 0);
}

/* Scopes: [["g1", 6]], [["g1", 2], ["g2", 8]] and refused ones. */
static const uint8_t scope_g1_6[] = {0x81, 0x82, 0x62, 'g', '1', 0x06};
static const uint8_t scope_g1_2_g2_8[] = {0x82, 0x82, 0x62, 'g', '1', 0x02,
                                          0x82, 0x62, 'g', '2', 0x08};
static const uint8_t scope_g1_8[] = {0x81, 0x82, 0x62, 'g', '1', 0x08};
static const uint8_t scope_g1_14[] = {0x81, 0x82, 0x62, 'g', '1', 0x0e};
static const uint8_t scope_g3_2[] = {0x81, 0x82, 0x62, 'g', '3', 0x02};
static const uint8_t scope_dup[] = {0x82, 0x82, 0x62, 'g', '1', 0x02,
                                    0x82, 0x62, 'g', '1', 0x04};
static const uint8_t scope_flat[] = {0x82, 0x62, 'g', '1', 0x06};
static const uint8_t scope_zero[] = {0x81, 0x82, 0x62, 'g', '1', 0x00};
static const uint8_t scope_empty[] = {0x80};
static const uint8_t scope_trailing[] = {0x81, 0x82, 0x62, 'g', '1', 0x06, 0x00};

/* ---- tests: registration and the PSK lookup ---- */

static void test_descriptor(void)
{
  const struct gkdc_as_ops *ops = as.desc->ops;

  CU_ASSERT_EQUAL(as.desc->abi_major, GKDC_ABI_MAJOR);
  CU_ASSERT_EQUAL(as.desc->kind, GKDC_PLUGIN_AS);
  CU_ASSERT_STRING_EQUAL(as.desc->name, "as-token");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
  CU_ASSERT_STRING_EQUAL(ops->token_path, "token");
  CU_ASSERT(GKDC_HAS_OP(ops, token_issue));
  CU_ASSERT(GKDC_HAS_OP(ops, token_revoke));
  CU_ASSERT(GKDC_HAS_OP(ops, introspect));
  CU_ASSERT_STRING_EQUAL(token_route, "token");
  CU_ASSERT_EQUAL(token_methods, GKDC_METHOD_BIT(GKDC_POST));
}

static void test_psk_lookup(void)
{
  struct gkdc_bytes id1 = {(const uint8_t *)"c1-identity", 11};
  struct gkdc_bytes id2 = {(const uint8_t *)"client2", 7};
  struct gkdc_bytes by_client_id = {(const uint8_t *)"client1", 7};
  struct gkdc_bytes unknown = {(const uint8_t *)"c1-identityX", 12};
  struct gkdc_bytes with_nul = {(const uint8_t *)"c1-identity\0", 12};
  struct gkdc_bytes binary = {(const uint8_t *)"\xa1\x00\x41\xff", 4};
  struct gkdc_bytes binary_cut = {(const uint8_t *)"\xa1", 1};
  uint8_t key[64];
  size_t len = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(psk_fn);
  CU_ASSERT(psk_fn(psk_arg, &id1, "127.0.0.1:1", key, sizeof(key), &len));
  CU_ASSERT_EQUAL(len, 14);
  CU_ASSERT(memcmp(key, "c1-key-0123456", 14) == 0);
  CU_ASSERT(psk_fn(psk_arg, &id2, "127.0.0.1:1", key, sizeof(key), &len));
  CU_ASSERT_EQUAL(len, 2);
  CU_ASSERT(memcmp(key, "c2", 2) == 0);

  /* client1 has an identity of its own, so its id is no identity. */
  CU_ASSERT_FALSE(psk_fn(psk_arg, &by_client_id, "127.0.0.1:1", key, sizeof(key), &len));
  CU_ASSERT_FALSE(psk_fn(psk_arg, &unknown, "127.0.0.1:1", key, sizeof(key), &len));
  CU_ASSERT_FALSE(psk_fn(psk_arg, &with_nul, "127.0.0.1:1", key, sizeof(key), &len));
  /* A binary identity with a zero byte, given as identity_hex. */
  CU_ASSERT(psk_fn(psk_arg, &binary, "127.0.0.1:1", key, sizeof(key), &len));
  CU_ASSERT_EQUAL(len, 2);
  CU_ASSERT(memcmp(key, "c3", 2) == 0);
  CU_ASSERT_FALSE(psk_fn(psk_arg, &binary_cut, "127.0.0.1:1", key, sizeof(key), &len));

  /* A key that does not fit the caller's buffer is not returned. */
  CU_ASSERT_FALSE(psk_fn(psk_arg, &id1, "127.0.0.1:1", key, 8, &len));
}

/* ---- tests: issuing ---- */

static void test_issue_default_audience(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct token t;
  struct gkdc_bytes cnf_resp, cti, scope, iss;
  struct osc o;
  uint64_t expires_in = 0, profile = 0;
  struct gkdc_cbor_dec d;
  const uint8_t *kid;

  r.audience = "kdc1";
  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  request("c1-identity", &r, &resp);

  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_ACE_CBOR);
  CU_ASSERT_EQUAL(map_count(resp.payload, resp.payload_len), 4);
  CU_ASSERT(map_uint(resp.payload, resp.payload_len, GKDC_OAUTH_EXPIRES_IN, &expires_in));
  CU_ASSERT_EQUAL(expires_in, 3600);
  CU_ASSERT(map_uint(resp.payload, resp.payload_len, GKDC_OAUTH_ACE_PROFILE, &profile));
  CU_ASSERT_EQUAL(profile, GKDC_ACE_PROFILE_COAP_OSCORE);
  /* The scope is the requested one, so the response leaves it out. */
  CU_ASSERT_FALSE(map_has(resp.payload, resp.payload_len, GKDC_OAUTH_SCOPE));
  CU_ASSERT_FATAL(map_raw(resp.payload, resp.payload_len, GKDC_OAUTH_CNF, &cnf_resp));

  CU_ASSERT_FATAL(open_token(&resp, key1, sizeof(key1), 10, 1, &t));
  kid = t.msg.hdr.kid.ptr;
  CU_ASSERT_FALSE(t.msg.hdr.kid_protected);
  CU_ASSERT(kid != NULL && t.msg.hdr.kid.len == 2 && memcmp(kid, "k1", 2) == 0);
  /* alg alone in the protected header: {1: 10}. */
  CU_ASSERT(bytes_eq(t.msg.hdr.protected_bstr, "\xa1\x01\x0a", 3));

  CU_ASSERT_EQUAL(t.claims.present,
                  GKDC_CWT_HAS_ISS | GKDC_CWT_HAS_AUD | GKDC_CWT_HAS_EXP | GKDC_CWT_HAS_IAT |
                      GKDC_CWT_HAS_CTI | GKDC_CWT_HAS_CNF | GKDC_CWT_HAS_SCOPE);
  iss = t.claims.iss;
  CU_ASSERT(bytes_eq(iss, "test-as", 7));
  CU_ASSERT(gkdc_cwt_aud_contains(&t.claims, "kdc1"));
  CU_ASSERT_EQUAL(t.claims.exp, NOW + 3600);
  CU_ASSERT_EQUAL(t.claims.iat, NOW);
  cti = t.claims.cti;
  CU_ASSERT_EQUAL(cti.len, 8);

  /* The scope claim is a bstr holding the requested AIF. */
  CU_ASSERT_EQUAL_FATAL(gkdc_cbor_dec_init(&d, t.claims.scope.ptr, t.claims.scope.len, NULL),
                        GKDC_CBOR_OK);
  CU_ASSERT(gkdc_cbor_dec_get_bstr(&d, &scope));
  CU_ASSERT(bytes_eq(scope, scope_g1_6, sizeof(scope_g1_6)));

  /* cnf in the token is byte for byte the cnf of the response. */
  CU_ASSERT(bytes_eq(t.claims.cnf, cnf_resp.ptr, cnf_resp.len));
  CU_ASSERT_FATAL(parse_osc(cnf_resp, &o));
  CU_ASSERT_EQUAL(o.count, 4);
  CU_ASSERT_EQUAL(o.id.len, 8);
  CU_ASSERT_EQUAL(o.ms.len, 16);
  CU_ASSERT_EQUAL(o.hkdf, 5);
  CU_ASSERT_EQUAL(o.alg, 10);
  CU_ASSERT_FALSE(o.has_salt);
  gkdc_response_clear(&resp);
}

static void test_issue_binary_identity(void)
{
  static const uint8_t scope_g2_2[] = {0x81, 0x82, 0x62, 'g', '2', 0x02};
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_peer peer = peer_dtls("");
  struct gkdc_response resp;
  uint8_t buf[64];
  size_t len;

  r.scope = scope_g2_2;
  r.scope_len = sizeof(scope_g2_2);
  len = encode_req(&r, buf, sizeof(buf));
  peer.identity.ptr = (const uint8_t *)"\xa1\x00\x41\xff";
  peer.identity.len = 4;
  call(&peer, GKDC_POST, GKDC_CF_ACE_CBOR, buf, len, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);
}

static void test_issue_fresh_material(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response a, b;
  struct token ta, tb;
  struct gkdc_bytes ca, cb;
  struct osc oa, ob;

  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  request("c1-identity", &r, &a);
  request("c1-identity", &r, &b);
  CU_ASSERT_EQUAL_FATAL(a.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL_FATAL(b.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(open_token(&a, key1, sizeof(key1), 10, 1, &ta));
  CU_ASSERT_FATAL(open_token(&b, key1, sizeof(key1), 10, 1, &tb));

  /* Without audience the first audience of the client is used. */
  CU_ASSERT(gkdc_cwt_aud_contains(&tb.claims, "kdc1"));

  /* cti and id count up by one; ms and the IV are fresh. */
  CU_ASSERT_EQUAL(be64(tb.claims.cti.ptr), be64(ta.claims.cti.ptr) + 1);
  CU_ASSERT_FATAL(map_raw(a.payload, a.payload_len, GKDC_OAUTH_CNF, &ca));
  CU_ASSERT_FATAL(map_raw(b.payload, b.payload_len, GKDC_OAUTH_CNF, &cb));
  CU_ASSERT_FATAL(parse_osc(ca, &oa) && parse_osc(cb, &ob));
  CU_ASSERT_EQUAL(be64(ob.id.ptr), be64(oa.id.ptr) + 1);
  CU_ASSERT(memcmp(oa.ms.ptr, ob.ms.ptr, 16) != 0);
  CU_ASSERT(memcmp(ta.msg.hdr.iv.ptr, tb.msg.hdr.iv.ptr, 13) != 0);
  gkdc_response_clear(&a);
  gkdc_response_clear(&b);
}

static void test_issue_default_scope(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct gkdc_bytes scope;
  struct token t;
  /* The whole allowed scope of client1: [["g1", 6], ["g2", 8]]. */
  static const uint8_t all[] = {0x82, 0x82, 0x62, 'g', '1', 0x06,
                                0x82, 0x62, 'g', '2', 0x08};
  struct gkdc_peer peer = peer_dtls("c1-identity");

  /* An empty map: default grant type, audience and scope. */
  call(&peer, GKDC_POST, GKDC_CF_ACE_CBOR, (const uint8_t *)"\xa0", 1, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT(map_bstr(resp.payload, resp.payload_len, GKDC_OAUTH_SCOPE, &scope));
  CU_ASSERT(bytes_eq(scope, all, sizeof(all)));
  CU_ASSERT_FATAL(open_token(&resp, key1, sizeof(key1), 10, 1, &t));
  CU_ASSERT_EQUAL(t.claims.scope.len, 1 + sizeof(all));
  CU_ASSERT(memcmp(t.claims.scope.ptr + 1, all, sizeof(all)) == 0);
  gkdc_response_clear(&resp);

  /* grant_type client_credentials, ace_profile null and a subset scope. */
  r.grant_type = 2;
  r.ace_profile = 0;
  r.scope = scope_g1_2_g2_8;
  r.scope_len = sizeof(scope_g1_2_g2_8);
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FALSE(map_has(resp.payload, resp.payload_len, GKDC_OAUTH_SCOPE));
  gkdc_response_clear(&resp);

  /* ace_profile coap_oscore (2) is accepted too. */
  r.ace_profile = 2;
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);
}

static void test_issue_no_content_format(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_peer peer = peer_dtls("c1-identity");
  struct gkdc_response resp;
  uint8_t buf[128];
  size_t len;

  r.audience = "kdc1";
  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  len = encode_req(&r, buf, sizeof(buf));

  /* The Java client sends no Content-Format. */
  call(&peer, GKDC_POST, GKDC_CF_NONE, buf, len, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_ACE_CBOR);
  gkdc_response_clear(&resp);

  call(&peer, GKDC_POST, GKDC_CF_CBOR, buf, len, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 15));
  gkdc_response_clear(&resp);

  call(&peer, GKDC_GET, GKDC_CF_NONE, NULL, 0, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 5));
  gkdc_response_clear(&resp);
}

static void test_issue_java_audience(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct gkdc_bytes cnf;
  struct token t;
  struct osc o;
  uint64_t expires_in = 0;
  char cti[64];

  r.audience = "kdc2";
  r.scope = scope_g1_2_g2_8;
  r.scope_len = sizeof(scope_g1_2_g2_8);
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT(map_uint(resp.payload, resp.payload_len, GKDC_OAUTH_EXPIRES_IN, &expires_in));
  CU_ASSERT_EQUAL(expires_in, 600); /* seconds, whatever the token's unit */

  /* AES-CCM-16-128-128, tagged, no kid configured. */
  CU_ASSERT_FATAL(open_token(&resp, key2, sizeof(key2), 30, 1, &t));
  CU_ASSERT_PTR_NULL(t.msg.hdr.kid.ptr);
  /* A key of another audience does not open it. */
  {
    struct token wrong;

    CU_ASSERT_FALSE(open_token(&resp, key1, sizeof(key1), 30, 1, &wrong));
  }

  /* exi in milliseconds instead of exp; iat in milliseconds. */
  CU_ASSERT_FALSE(t.claims.present & GKDC_CWT_HAS_EXP);
  CU_ASSERT(t.claims.present & GKDC_CWT_HAS_EXI);
  CU_ASSERT_EQUAL(t.claims.exi, 600000);
  CU_ASSERT_EQUAL(t.claims.iat, (int64_t)NOW * 1000);
  CU_ASSERT(gkdc_cwt_aud_contains(&t.claims, "kdc2"));

  /* cti is "rs2" followed by a decimal number. */
  CU_ASSERT_FATAL(t.claims.cti.len > 3 && t.claims.cti.len < sizeof(cti));
  memcpy(cti, t.claims.cti.ptr, t.claims.cti.len);
  cti[t.claims.cti.len] = '\0';
  CU_ASSERT(strncmp(cti, "rs2", 3) == 0);
  CU_ASSERT(strspn(cti + 3, "0123456789") == strlen(cti) - 3);

  /* An 8-byte salt. */
  CU_ASSERT_FATAL(map_raw(resp.payload, resp.payload_len, GKDC_OAUTH_CNF, &cnf));
  CU_ASSERT_FATAL(parse_osc(cnf, &o));
  CU_ASSERT_EQUAL(o.count, 5);
  CU_ASSERT(o.has_salt);
  CU_ASSERT_EQUAL(o.salt.len, 8);
  gkdc_response_clear(&resp);
}

static void test_issue_exi_binary_cti(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct gkdc_bytes cnf;
  struct token t;
  struct osc o;
  static const uint8_t cnonce[] = {0xe0, 0xa1, 0x56, 0xbb, 0x3f};

  r.audience = "kdc3";
  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  r.cnonce = cnonce;
  r.cnonce_len = sizeof(cnonce);
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(open_token(&resp, key3, sizeof(key3), 10, 0, &t));

  CU_ASSERT(t.claims.present & GKDC_CWT_HAS_EXI);
  CU_ASSERT_FALSE(t.claims.present & GKDC_CWT_HAS_EXP);
  CU_ASSERT_EQUAL(t.claims.exi, 100);
  CU_ASSERT_EQUAL(t.claims.iat, NOW);
  /* cti is the RS identifier followed by the 8-byte sequence number. */
  CU_ASSERT_EQUAL(t.claims.cti.len, 3 + 8);
  CU_ASSERT(memcmp(t.claims.cti.ptr, "rs3", 3) == 0);
  /* The client's cnonce is copied into the token. */
  CU_ASSERT(t.claims.present & GKDC_CWT_HAS_CNONCE);
  CU_ASSERT(bytes_eq(t.claims.cnonce, cnonce, sizeof(cnonce)));

  CU_ASSERT_FATAL(map_raw(resp.payload, resp.payload_len, GKDC_OAUTH_CNF, &cnf));
  CU_ASSERT_FATAL(parse_osc(cnf, &o));
  CU_ASSERT_EQUAL(o.hkdf, 7);
  CU_ASSERT_EQUAL(o.alg, 30);
  gkdc_response_clear(&resp);
}

/* ---- tests: errors ---- */

static void test_error_scope(void)
{
  static const struct {
    const uint8_t *scope;
    size_t len;
  } refused[] = {
      {scope_g1_8, sizeof(scope_g1_8)},         /* a role not allowed */
      {scope_g1_14, sizeof(scope_g1_14)},       /* a superset of the roles */
      {scope_g3_2, sizeof(scope_g3_2)},         /* an unknown group */
      {scope_dup, sizeof(scope_dup)},           /* a group twice */
      {scope_flat, sizeof(scope_flat)},         /* not an array of pairs */
      {scope_zero, sizeof(scope_zero)},         /* no role */
      {scope_empty, sizeof(scope_empty)},       /* no entry */
      {scope_trailing, sizeof(scope_trailing)}, /* bytes after the AIF */
  };
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  size_t i;

  for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    r.scope = refused[i].scope;
    r.scope_len = refused[i].len;
    request("c1-identity", &r, &resp);
    check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_SCOPE);
    gkdc_response_clear(&resp);
  }

  /* A text scope is not an AIF scope. */
  r.scope = NULL;
  r.text_scope = "g1";
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_SCOPE);
  gkdc_response_clear(&resp);

  /* client2 may have g1 as requester only. */
  r.text_scope = NULL;
  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  request("client2", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_SCOPE);
  gkdc_response_clear(&resp);
}

static void test_error_client(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_peer udp = peer_dtls("c1-identity");
  struct gkdc_peer no_identity = peer_dtls("");
  struct gkdc_response resp;
  uint8_t buf[128];
  size_t len;

  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  len = encode_req(&r, buf, sizeof(buf));

  /* An identity that no client has. */
  request("mallory", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 1), GKDC_AS_ERR_INVALID_CLIENT);
  gkdc_response_clear(&resp);

  /* Plain CoAP: nothing authenticates the client. */
  udp.transport = GKDC_TRANSPORT_UDP;
  call(&udp, GKDC_POST, GKDC_CF_ACE_CBOR, buf, len, &resp);
  check_error(&resp, GKDC_CODE(4, 1), GKDC_AS_ERR_INVALID_CLIENT);
  gkdc_response_clear(&resp);

  udp.transport = GKDC_TRANSPORT_OSCORE;
  call(&udp, GKDC_POST, GKDC_CF_ACE_CBOR, buf, len, &resp);
  check_error(&resp, GKDC_CODE(4, 1), GKDC_AS_ERR_INVALID_CLIENT);
  gkdc_response_clear(&resp);

  call(&no_identity, GKDC_POST, GKDC_CF_ACE_CBOR, buf, len, &resp);
  check_error(&resp, GKDC_CODE(4, 1), GKDC_AS_ERR_INVALID_CLIENT);
  gkdc_response_clear(&resp);

  /* A client_id that names another client than the DTLS identity. */
  r.client_id = "client2";
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 1), GKDC_AS_ERR_INVALID_CLIENT);
  gkdc_response_clear(&resp);

  r.client_id = "client1";
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);
}

static void test_error_request(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_peer peer = peer_dtls("c1-identity");
  struct gkdc_response resp;
  /* Each is a malformed request body: invalid_request. */
  static const struct {
    const char *bytes;
    size_t len;
  } malformed[] = {
      {"", 0},                          /* no payload */
      {"\x80", 1},                      /* an array */
      {"\xa0\x00", 2},                  /* a byte after the map */
      {"\xa1\x05", 2},                  /* truncated */
      {"\xa1\x05\x01", 3},              /* audience not a text string */
      {"\xa1\x05\x60", 3},              /* empty audience */
      {"\xa1\x05\x62\x6b\x00", 5},      /* audience with a NUL byte */
      {"\xa1\x09\x01", 3},              /* scope not a string */
      {"\xa1\x18\x21\x61\x32", 5},      /* grant_type a text string */
      {"\xa1\x18\x26\x61\x32", 5},      /* ace_profile a text string */
      {"\xa1\x04\x41\x01", 4},          /* req_cnf not a map */
      {"\xa1\x18\x27\x01", 4},          /* cnonce not a byte string */
      {"\xa2\x05\x61\x61\x05\x61\x62", 7}, /* audience twice */
      {"\xa1\x1b\xff\xff\xff\xff\xff\xff\xff\xff\x00", 11}, /* key beyond int64 */
  };
  size_t i;

  for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
    call(&peer, GKDC_POST, GKDC_CF_ACE_CBOR, (const uint8_t *)malformed[i].bytes,
         malformed[i].len, &resp);
    check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
    gkdc_response_clear(&resp);
  }

  /* Unknown parameters, with integer and text keys, are ignored. */
  call(&peer, GKDC_POST, GKDC_CF_ACE_CBOR,
       (const uint8_t *)"\xa2\x18\x63\x01\x61\x78\x02", 7, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);

  /* Another grant type. */
  r.grant_type = 1;
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_UNSUPPORTED_GRANT_TYPE);
  gkdc_response_clear(&resp);
  r.grant_type = -1;

  /* An audience that does not exist, or that the client may not use. */
  r.audience = "kdc9";
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);
  r.audience = "kdc1";
  request("client2", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);
  r.audience = NULL;

  /* Another ACE profile. */
  r.ace_profile = GKDC_ACE_PROFILE_COAP_DTLS;
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INCOMPATIBLE_ACE_PROFILES);
  gkdc_response_clear(&resp);
}

/* Failed requests use up no counter value. */
static void test_error_no_state_change(void)
{
  struct token_req good = TOKEN_REQ_INIT, bad = TOKEN_REQ_INIT;
  struct gkdc_response a, b, c;
  struct token ta, tc;

  good.scope = scope_g1_6;
  good.scope_len = sizeof(scope_g1_6);
  bad.scope = scope_g3_2;
  bad.scope_len = sizeof(scope_g3_2);
  request("c1-identity", &good, &a);
  request("c1-identity", &bad, &b);
  request("c1-identity", &good, &c);
  CU_ASSERT_EQUAL(b.code, GKDC_CODE(4, 0));
  CU_ASSERT_FATAL(open_token(&a, key1, sizeof(key1), 10, 1, &ta));
  CU_ASSERT_FATAL(open_token(&c, key1, sizeof(key1), 10, 1, &tc));
  CU_ASSERT_EQUAL(be64(tc.claims.cti.ptr), be64(ta.claims.cti.ptr) + 1);
  gkdc_response_clear(&a);
  gkdc_response_clear(&b);
  gkdc_response_clear(&c);
}

/* ---- tests: update of access rights, revocation, introspection ---- */

static void test_update_access_rights(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response first, update, resp;
  struct gkdc_bytes cnf;
  struct token t;
  struct osc o;
  uint8_t req_cnf[32];
  size_t n;

  r.scope = scope_g1_2_g2_8;
  r.scope_len = sizeof(scope_g1_2_g2_8);
  request("c1-identity", &r, &first);
  CU_ASSERT_EQUAL_FATAL(first.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(map_raw(first.payload, first.payload_len, GKDC_OAUTH_CNF, &cnf));
  CU_ASSERT_FATAL(parse_osc(cnf, &o));

  /* req_cnf {3: id}: the new token's cnf is {3: id}, the response has
   * no cnf (RFC 9203 section 4). */
  req_cnf[0] = 0xa1;
  req_cnf[1] = 0x03;
  req_cnf[2] = (uint8_t)(0x40 | o.id.len);
  memcpy(req_cnf + 3, o.id.ptr, o.id.len);
  n = 3 + o.id.len;
  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  r.req_cnf = req_cnf;
  r.req_cnf_len = n;
  request("c1-identity", &r, &update);
  CU_ASSERT_EQUAL_FATAL(update.code, GKDC_CODE(2, 1));
  CU_ASSERT_FALSE(map_has(update.payload, update.payload_len, GKDC_OAUTH_CNF));
  CU_ASSERT_FATAL(open_token(&update, key1, sizeof(key1), 10, 1, &t));
  CU_ASSERT(bytes_eq(t.claims.cnf, req_cnf, n));

  /* Another client cannot name that id. */
  r.audience = "kdc2";
  r.scope = NULL;
  request("client2", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);
  r.audience = NULL;

  /* An id never issued. */
  req_cnf[3] ^= 0xff;
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);

  /* A COSE_Key: no asymmetric PoP keys here. */
  r.req_cnf = (const uint8_t *)"\xa1\x01\xa1\x01\x04";
  r.req_cnf_len = 5;
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_UNSUPPORTED_POP_KEY);
  gkdc_response_clear(&resp);

  /* Two confirmation methods. */
  r.req_cnf = (const uint8_t *)"\xa2\x03\x41\x01\x04\xa0";
  r.req_cnf_len = 6;
  request("c1-identity", &r, &resp);
  check_error(&resp, GKDC_CODE(4, 0), GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);

  gkdc_response_clear(&first);
  gkdc_response_clear(&update);
}

static void test_revoke_introspect(void)
{
  const struct gkdc_as_ops *ops = as.desc->ops;
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct gkdc_bytes at, cti;
  struct token t;
  uint8_t copy[1024];
  int active = -1, err = -1;

  r.audience = "kdc2";
  request("client2", &r, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(map_bstr(resp.payload, resp.payload_len, GKDC_OAUTH_ACCESS_TOKEN, &at));
  CU_ASSERT_FATAL(open_token(&resp, key2, sizeof(key2), 30, 1, &t));
  cti = t.claims.cti;

  CU_ASSERT(ops->introspect(as.state, at.ptr, at.len, NOW, &active, &err));
  CU_ASSERT_EQUAL(active, 1);
  CU_ASSERT(ops->introspect(as.state, at.ptr, at.len, NOW + 600, &active, &err));
  CU_ASSERT_EQUAL(active, 0);

  /* A changed byte breaks the AEAD tag: inactive, not an error. */
  CU_ASSERT_FATAL(at.len <= sizeof(copy));
  memcpy(copy, at.ptr, at.len);
  copy[at.len - 1] ^= 1;
  CU_ASSERT(ops->introspect(as.state, copy, at.len, NOW, &active, &err));
  CU_ASSERT_EQUAL(active, 0);

  CU_ASSERT(ops->token_revoke(as.state, cti, &err));
  CU_ASSERT_EQUAL(err, GKDC_AS_OK);
  CU_ASSERT(ops->introspect(as.state, at.ptr, at.len, NOW, &active, &err));
  CU_ASSERT_EQUAL(active, 0);

  cti.len = 2;
  CU_ASSERT_FALSE(ops->token_revoke(as.state, cti, &err));
  CU_ASSERT_EQUAL(err, GKDC_AS_ERR_INVALID_REQUEST);
  gkdc_response_clear(&resp);
}

/* token_issue reports a small buffer instead of writing past it. */
static void test_issue_small_buffer(void)
{
  const struct gkdc_as_ops *ops = as.desc->ops;
  struct gkdc_as_token_request req;
  struct gkdc_as_token out;
  uint8_t token[16], cnf[256], scope[64], cti[64];
  int err = 0;

  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.client_id = "client1";
  req.ace_profile = -1;
  memset(&out, 0, sizeof(out));
  out.size = sizeof(out);
  out.access_token = token;
  out.access_token_len = sizeof(token);
  out.cnf = cnf;
  out.cnf_len = sizeof(cnf);
  out.scope = scope;
  out.scope_len = sizeof(scope);
  out.cti = cti;
  out.cti_len = sizeof(cti);
  CU_ASSERT_FALSE(ops->token_issue(as.state, &req, &out, &err));
  CU_ASSERT_EQUAL(err, GKDC_AS_ERR_BUFFER);

  req.client_id = "nobody";
  CU_ASSERT_FALSE(ops->token_issue(as.state, &req, &out, &err));
  CU_ASSERT_EQUAL(err, GKDC_AS_ERR_INVALID_CLIENT);
}

/* A store failure gets 5.00 without a body, and no token. */
static void test_issue_store_failure(void)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;

  use_broken_store = 1;
  request("c1-identity", &r, &resp);
  use_broken_store = 0;
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(5, 0));
  CU_ASSERT_EQUAL(resp.payload_len, 0);
  CU_ASSERT(strstr(last_error, "disk full") != NULL);
  gkdc_response_clear(&resp);
}

/* ---- tests: durable counters ---- */

/* The cti sequence number of a new token of client1 for kdc1. */
static uint64_t issue_seq(uint64_t *osc_id)
{
  struct token_req r = TOKEN_REQ_INIT;
  struct gkdc_response resp;
  struct gkdc_bytes cnf;
  struct token t;
  struct osc o;
  uint64_t seq = UINT64_MAX;

  r.scope = scope_g1_6;
  r.scope_len = sizeof(scope_g1_6);
  request("c1-identity", &r, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  if (open_token(&resp, key1, sizeof(key1), 10, 1, &t) && t.claims.cti.len == 8 &&
      map_raw(resp.payload, resp.payload_len, GKDC_OAUTH_CNF, &cnf) && parse_osc(cnf, &o)) {
    seq = be64(t.claims.cti.ptr);
    *osc_id = be64(o.id.ptr);
  }
  gkdc_response_clear(&resp);
  return seq;
}

static void test_store_counters(void)
{
  const struct gkdc_store_ops *sops = store.desc->ops;
  uint64_t first, second, third, id1 = 0, id2 = 0, id3 = 0, next = 0;

  /* A new database: both counters start at 0. */
  first = issue_seq(&id1);
  CU_ASSERT_EQUAL(first, 0);
  CU_ASSERT_EQUAL(id1, 0);
  second = issue_seq(&id2);
  CU_ASSERT_EQUAL(second, 1);
  CU_ASSERT_EQUAL(id2, 1);
  CU_ASSERT(sops->counter_get(store.state, GKDC_STORE_COUNTER_AS_CTI_SEQ, &next));
  CU_ASSERT_EQUAL(next, 2);

  /* After a restart of the AS and the store, the counters go on. */
  stop();
  CU_ASSERT_FATAL(start(config_text));
  third = issue_seq(&id3);
  CU_ASSERT_EQUAL(third, 2);
  CU_ASSERT_EQUAL(id3, 2);
}

/* ---- tests: configuration ---- */

/* Starts the AS with `section` as its plugin_config; 1 when init works. */
static int try_config(const char *section)
{
  char text[2048];
  int ok;

  snprintf(text, sizeof(text), "plugin_config = { as-token = { %s }; };\n", section);
  if (!gkdc_config_load_string(text))
    return -1;
  token_handler = NULL;
  psk_fn = NULL;
  ok = init(&as);
  fini(&as);
  gkdc_config_free();
  return ok;
}

#define AUD_OK "audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; } ); "
#define CLIENT_OK                                                                      \
  "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "                    \
  "scope = ( { group = \"g\"; tperm = 2; } ); } ); "

static void test_config_errors(void)
{
  /* The reference config starts. */
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK), 1);

  CU_ASSERT_EQUAL(try_config(""), 0);
  CU_ASSERT_EQUAL(try_config(AUD_OK), 0);
  CU_ASSERT_EQUAL(try_config(CLIENT_OK), 0);
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK "issuer = 1;"), 0);
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK "color = \"red\";"), 0);
  CU_ASSERT(strstr(last_error, "color") != NULL);

  /* Audiences. */
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"0001\"; } ); " CLIENT_OK),
                  0);
  CU_ASSERT(strstr(last_error, "16-byte key") != NULL);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"0g\"; } ); " CLIENT_OK),
                  0);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; "
                             "alg = -8; } ); " CLIENT_OK),
                  0);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; "
                             "time_unit = \"h\"; } ); " CLIENT_OK),
                  0);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; "
                             "lifetime = 0; } ); " CLIENT_OK),
                  0);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; "
                             "salt_len = 33; } ); " CLIENT_OK),
                  0);
  CU_ASSERT_EQUAL(try_config("audiences = ( { name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; }, "
                             "{ name = \"a\"; key = \"000102030405060708090a0b0c0d0e0f\"; } ); " CLIENT_OK),
                  0);

  /* Clients. */
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); } );"),
                  0);
  CU_ASSERT(strstr(last_error, "psk") != NULL);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"b\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); } );"),
                  0);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; roles = [ \"boss\" ]; } ); } );"),
                  0);
  CU_ASSERT(strstr(last_error, "boss") != NULL);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; } ); } );"),
                  0);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; }, { group = \"g\"; tperm = 4; } ); } );"),
                  0);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); }, "
                             "{ id = \"d\"; identity = \"c\"; psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); } );"),
                  0);
  CU_ASSERT(strstr(last_error, "two clients") != NULL);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; identity = \"x\"; identity_hex = \"00\"; "
                             "psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); } );"),
                  0);
  CU_ASSERT_EQUAL(try_config(AUD_OK "clients = ( { id = \"c\"; identity_hex = \"0\"; "
                             "psk = \"00\"; audiences = [ \"a\" ]; "
                             "scope = ( { group = \"g\"; tperm = 2; } ); } );"),
                  0);
}

/* A host whose PSK lookup is taken, as when another plugin provides PSKs,
 * or that has no DTLS PSK hook at all. */
static void test_psk_lookup_taken(void)
{
  int (*saved)(gkdc_plugin *, gkdc_dtls_psk_fn, void *) = host.dtls_psk_set;

  psk_taken = 1;
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK), 0);
  CU_ASSERT(strstr(last_error, "PSK lookup") != NULL);
  CU_ASSERT_PTR_NULL(token_handler); /* the route is removed again */
  psk_taken = 0;

  host.dtls_psk_set = NULL;
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK), 0);
  host.dtls_psk_set = saved;
  CU_ASSERT_EQUAL(try_config(AUD_OK CLIENT_OK), 1);
}

/* ---- main ---- */

static int setup(void)
{
  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.abi_minor = GKDC_ABI_MINOR;
  host.log = fake_log;
  host.vlog = fake_vlog;
  host.log_enabled = fake_log_enabled;
  host.config_get0 = fake_config_get0;
  host.config_root_get0 = fake_config_root_get0;
  host.route_add = fake_route_add;
  host.route_remove = fake_route_remove;
  host.get_store = fake_get_store;
  host.crypto_get0 = fake_crypto_get0;
  host.now = fake_now;
  host.state_dir = fake_state_dir;
  host.dtls_psk_set = fake_dtls_psk_set;

  snprintf(state_dir, sizeof(state_dir), "%s/gkdc-as-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(state_dir) == NULL)
    return 0;

  if (!load(P_ALG, GKDC_PLUGIN_ALG, "alg-boringssl", &alg) || !init(&alg))
    return 0;
  alg_provider.ops = alg.desc->ops;
  alg_provider.state = alg.state;
  alg_provider.plugin_name = alg.desc->name;
  gkdc_crypto_init_single(&crypto, &alg_provider);

  return load(P_STORE, GKDC_PLUGIN_STORE, "store-sqlite", &store) &&
         load(P_AS, GKDC_PLUGIN_AS, "as-token", &as);
}

static void teardown(void)
{
  char cmd[400];

  unload(&as);
  unload(&store);
  unload(&alg);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
  if (state_dir[0] != '\0' && system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", state_dir);
}

int main(void)
{
  CU_pSuite s;
  int status;

  gkdc_test_require_dtls();
  if (!setup()) {
    teardown();
    return 1;
  }
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;

  s = CU_add_suite("as-token /token", suite_init, suite_clean);
  if (s == NULL || !CU_add_test(s, "descriptor and route", test_descriptor) ||
      !CU_add_test(s, "PSK lookup", test_psk_lookup) ||
      !CU_add_test(s, "issue: claims and cnf", test_issue_default_audience) ||
      !CU_add_test(s, "issue: binary identity", test_issue_binary_identity) ||
      !CU_add_test(s, "issue: fresh material", test_issue_fresh_material) ||
      !CU_add_test(s, "issue: defaults", test_issue_default_scope) ||
      !CU_add_test(s, "issue: Content-Format", test_issue_no_content_format) ||
      !CU_add_test(s, "issue: Java audience", test_issue_java_audience) ||
      !CU_add_test(s, "issue: exi, binary cti", test_issue_exi_binary_cti) ||
      !CU_add_test(s, "error: invalid_scope", test_error_scope) ||
      !CU_add_test(s, "error: invalid_client", test_error_client) ||
      !CU_add_test(s, "error: invalid_request", test_error_request) ||
      !CU_add_test(s, "error: no state change", test_error_no_state_change) ||
      !CU_add_test(s, "update of access rights", test_update_access_rights) ||
      !CU_add_test(s, "revoke and introspect", test_revoke_introspect) ||
      !CU_add_test(s, "token_issue small buffer", test_issue_small_buffer) ||
      !CU_add_test(s, "store failure", test_issue_store_failure))
    return 1;

  s = CU_add_suite("as-token with store", store_suite_init, store_suite_clean);
  if (s == NULL || !CU_add_test(s, "durable counters", test_store_counters))
    return 1;

  s = CU_add_suite("as-token config", NULL, NULL);
  if (s == NULL || !CU_add_test(s, "config errors", test_config_errors) ||
      !CU_add_test(s, "PSK lookup taken", test_psk_lookup_taken))
    return 1;

  status = gkdc_test_run();
  teardown();
  return status;
}
