/*
 * Tests of the profile-oscore plugin shell: its descriptor, its init
 * against a host with and without the interceptor hooks, and the
 * unprotected OSCORE-layer errors its interceptor sends.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/kdc.h>
#include <gkdc/profile.h>
#include <gkdc/store.h>

#include "internal.h"
#include "oscore.h"
#include "oscore_crypto_fixture.h"
#include "profile_internal.h"

static void *dl;
static const struct gkdc_plugin_desc *desc;

/* What the fake host captured. */
static gkdc_intercept_fn intercept_fn;
static void *intercept_arg;
static int replies;
static uint8_t reply_code;
static int reply_has_max_age0;
static char reply_payload[128];
static uint8_t reply_wire[4096];
static size_t reply_wire_len;
static int dispatches;
static int dispatch_had_authz;
static uint8_t dispatch_token_id[2];
static struct gkdc_route authz_route;
static int routes;
static const gkdc_cfg *plugin_cfg;
static const struct gkdc_crypto *cx;
static int64_t fake_time = 1700000000;
static int tokens_ended;

/* The plugin's log: the number of lines per level, and the lines since
 * log_text was last cleared (as much as fits). */
static int log_lines[8];
static char log_text[4096];

static void fake_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  size_t used = strlen(log_text);

  (void)self;
  if (level < 0 || level > 7)
    return;
  log_lines[level]++;
  if (used + 2 < sizeof(log_text)) {
    vsnprintf(log_text + used, sizeof(log_text) - used - 1, fmt, ap);
    strcat(log_text, "\n");
  }
}

static void fake_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  (void)self;
  (void)level;
  (void)fmt;
}

static int fake_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg)
{
  (void)self;
  intercept_fn = fn;
  intercept_arg = arg;
  return 1;
}

static int fake_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg)
{
  const struct gkdc_coap_option *o;

  (void)x;
  replies++;
  reply_code = msg->code;
  o = gkdc_oscore_msg_find(msg, GKDC_OPT_MAX_AGE);
  reply_has_max_age0 = o != NULL && o->value.len == 0;
  memset(reply_payload, 0, sizeof(reply_payload));
  if (msg->payload.len > 0 && msg->payload.len < sizeof(reply_payload))
    memcpy(reply_payload, msg->payload.ptr, msg->payload.len);
  /* Keep the whole message: the plugin's buffers are gone after the call. */
  if (!gkdc_oscore_msg_encode(msg, reply_wire, sizeof(reply_wire), &reply_wire_len))
    reply_wire_len = 0;
  return 1;
}

static int fake_dispatch(const struct gkdc_request *req, struct gkdc_response *resp)
{
  /* The inner POST /authz-info of an update goes to the plugin's route. */
  if (req->path_count == 1 && req->path[0].len == 10 &&
      memcmp(req->path[0].ptr, "authz-info", 10) == 0 && authz_route.handler != NULL)
    return authz_route.handler(authz_route.arg, req, resp) == GKDC_HANDLED;
  dispatches++;
  /* test "big": a 3000-byte representation, more than one datagram. */
  if (req->path_count == 1 && req->path[0].len == 3 &&
      memcmp(req->path[0].ptr, "big", 3) == 0) {
    static uint8_t big[3000];

    memset(big, 'b', sizeof(big));
    return gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_NONE, big, sizeof(big));
  }
  dispatch_had_authz = req->peer != NULL && req->peer->transport == GKDC_TRANSPORT_OSCORE &&
                       req->peer->authz != NULL &&
                       strcmp(req->peer->authz->ace_profile, "coap_oscore") == 0;
  if (dispatch_had_authz && req->peer->authz->token_id.len == 2)
    memcpy(dispatch_token_id, req->peer->authz->token_id.ptr, 2);
  return gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_NONE, (const uint8_t *)"hi", 2);
}

/* Observations kept through the host's exchange hooks. */
static int keeps, releases, notifies;
static gkdc_notify_hook_fn hook_fn;
static void *hook_arg;
static uint8_t notify_wire[1200];
static size_t notify_wire_len;

static gkdc_exchange_ref *fake_exchange_keep(gkdc_exchange *x)
{
  (void)x;
  keeps++;
  return (gkdc_exchange_ref *)&keeps;
}

static int fake_exchange_notify(gkdc_exchange_ref *ref, const struct gkdc_coap_msg *msg)
{
  (void)ref;
  notifies++;
  if (!gkdc_oscore_msg_encode(msg, notify_wire, sizeof(notify_wire), &notify_wire_len))
    notify_wire_len = 0;
  return 1;
}

static void fake_exchange_release(gkdc_exchange_ref *ref)
{
  (void)ref;
  releases++;
}

static gkdc_timer_fn timer_fn;
static void *timer_arg;
static int timers_cancelled;

static uint64_t fake_timer_add(gkdc_plugin *self, uint64_t delay_ms, int repeat,
                               gkdc_timer_fn fn, void *arg)
{
  (void)self;
  (void)delay_ms;
  (void)repeat;
  timer_fn = fn;
  timer_arg = arg;
  return 7;
}

static void fake_timer_cancel(uint64_t id)
{
  if (id == 7)
    timers_cancelled++;
}

static int fake_notify_hook_add(gkdc_plugin *self, gkdc_notify_hook_fn fn, void *arg)
{
  (void)self;
  hook_fn = fn;
  hook_arg = arg;
  return 1;
}

/* The store plugin's handle; the profile's is NULL. */
#define STORE_SELF ((gkdc_plugin *)&store_self_tag)
static int store_self_tag;

static const gkdc_cfg *fake_config_get0(gkdc_plugin *self)
{
  return self == STORE_SELF ? NULL : plugin_cfg;
}

/* The store-sqlite plugin of the build tree, when a test loaded it. */
static struct gkdc_provider store_provider;
static int store_loaded;
static char state_dir[64];

static const char *fake_state_dir(void)
{
  return state_dir;
}

static int fake_get_store(struct gkdc_provider *out)
{
  if (!store_loaded)
    return 0;
  *out = store_provider;
  return 1;
}

static int fake_route_add(gkdc_plugin *self, const struct gkdc_route *route)
{
  (void)self;
  authz_route = *route;
  routes++;
  return 1;
}

static const struct gkdc_crypto *fake_crypto_get0(void)
{
  return cx;
}

static int64_t fake_now(void)
{
  return fake_time;
}

/* A KDC whose Token Transfer Response adds kdcchallenge (46) h'0a0b'. */
static int fake_token_transfer(void *st, const struct gkdc_kdc_token_transfer *tt,
                               uint8_t *entries, size_t *entries_len, size_t *entry_count,
                               int *err)
{
  static const uint8_t pair[] = {0x18, 0x2e, 0x42, 0x0a, 0x0b};

  (void)st;
  (void)err;
  if (tt->authz == NULL || *entries_len < sizeof(pair))
    return 0;
  memcpy(entries, pair, sizeof(pair));
  *entries_len = sizeof(pair);
  *entry_count = 1;
  return 1;
}

static int fake_token_end(void *st, struct gkdc_bytes token_id, int reason,
                          const struct gkdc_authz *new_authz)
{
  (void)st;
  (void)new_authz;
  if (reason == GKDC_TOKEN_EXPIRED && token_id.len > 0)
    tokens_ended++;
  return 1;
}

static const struct gkdc_kdc_ops fake_kdc = {
  .size = sizeof(struct gkdc_kdc_ops),
  .token_transfer = fake_token_transfer,
  .token_end = fake_token_end,
};

static int fake_get_kdc(struct gkdc_provider *out)
{
  out->ops = &fake_kdc;
  out->state = NULL;
  out->plugin_name = "kdc-fake";
  return 1;
}

static struct gkdc_host_api host_api = {
  .size = sizeof(struct gkdc_host_api),
  .abi_minor = GKDC_ABI_MINOR,
  .log = fake_log,
  .vlog = fake_vlog,
  .intercept_add = fake_intercept_add,
  .exchange_reply = fake_exchange_reply,
  .dispatch = fake_dispatch,
};

/* The same host with configuration, routes, crypto, clock and a KDC. */
static struct gkdc_host_api full_host;

static void full_host_init(void)
{
  full_host = host_api;
  full_host.config_get0 = fake_config_get0;
  full_host.route_add = fake_route_add;
  full_host.crypto_get0 = fake_crypto_get0;
  full_host.now = fake_now;
  full_host.get_kdc = fake_get_kdc;
  full_host.get_store = fake_get_store;
  full_host.state_dir = fake_state_dir;
  full_host.exchange_keep = fake_exchange_keep;
  full_host.exchange_notify = fake_exchange_notify;
  full_host.exchange_release = fake_exchange_release;
  full_host.notify_hook_add = fake_notify_hook_add;
  full_host.timer_add = fake_timer_add;
  full_host.timer_cancel = fake_timer_cancel;
}

static void test_descriptor(void)
{
  const struct gkdc_profile_ops *ops;

  CU_ASSERT_PTR_NOT_NULL_FATAL(desc);
  CU_ASSERT_EQUAL(desc->abi_major, GKDC_ABI_MAJOR);
  CU_ASSERT_EQUAL(desc->build_signature, GKDC_BUILD_SIGNATURE);
  CU_ASSERT_EQUAL(desc->kind, GKDC_PLUGIN_PROFILE);
  CU_ASSERT_STRING_EQUAL(desc->name, "profile-oscore");
  ops = desc->ops;
  CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
  CU_ASSERT(ops->size >= offsetof(struct gkdc_profile_ops, ace_profile) + sizeof(char *));
  CU_ASSERT_STRING_EQUAL(ops->ace_profile, "coap_oscore");
}

static void test_init_needs_hooks(void)
{
  struct gkdc_host_api old_host = host_api;
  void *state = NULL;

  /* A host of an older minor version, whose table ends before the hooks. */
  old_host.size = offsetof(struct gkdc_host_api, intercept_add);
  intercept_fn = NULL;
  CU_ASSERT_FALSE(desc->init(NULL, &old_host, &state));
  CU_ASSERT_PTR_NULL(intercept_fn);
}

static const struct gkdc_peer udp_peer = {
  .size = sizeof(struct gkdc_peer),
  .transport = GKDC_TRANSPORT_UDP,
  .address = "127.0.0.1:5683",
};

/* Feeds a datagram given in hex to the interceptor. */
static void feed(const char *hex)
{
  uint8_t wire[256];
  size_t n = oscore_test_unhex(hex, wire, sizeof(wire));
  struct gkdc_coap_msg msg;

  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(wire, n, &msg));
  intercept_fn(intercept_arg, NULL, &msg, &udp_peer);
}

static void test_interceptor_errors(void)
{
  void *state = NULL;

  CU_ASSERT_FATAL(desc->init(NULL, &host_api, &state));
  CU_ASSERT_PTR_NOT_NULL_FATAL(intercept_fn);

  /* RFC 8613 C.4 request: no context for kid h'' yet. */
  replies = 0;
  feed("44025d1f00003974396c6f63616c686f7374620914ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(replies, 1);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));
  CU_ASSERT(reply_has_max_age0);
  CU_ASSERT_STRING_EQUAL(reply_payload, "Security context not found");

  /* Reserved flag bit: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737461" "80" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(replies, 2);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));
  CU_ASSERT_STRING_EQUAL(reply_payload, "Failed to decode COSE");

  /* A request option without a kid: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737462" "0114" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));

  /* n = 1 but the Partial IV missing: 4.02. */
  feed("44025d1f00003974396c6f63616c686f737461" "01" "ff612f1092f1776f1c1668b3825e");
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 2));
  CU_ASSERT_EQUAL(replies, 4);
  CU_ASSERT_EQUAL(dispatches, 0);

  desc->fini(state);
}

/* ---- /authz-info and a protected exchange ---- */

static const char plugin_config[] =
    "plugin_config = { profile-oscore = { audience = \"kdc1\"; issuer = \"as1\";\n"
    "  as_keys = ( { kid = \"a1\"; key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; alg = 10; },\n"
    "              { kid = \"a2\"; key = \"403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388\";\n"
    "                alg = 5; } );\n"
    "} };\n";

static const char master_secret_hex[] = "f9af838368e353e78888e1426bd94e6f";

/* The input material of every test token: id h'01', the test Master
 * Secret, AES-CCM-16-64-128 and HKDF SHA-256. `ms` (16 bytes) holds the
 * secret the views point to. */
static void test_material(struct gkdc_oscore_input_material *m, uint8_t ms[16])
{
  memset(m, 0, sizeof(*m));
  m->has_id = 1;
  m->has_ms = 1;
  m->ms.ptr = ms;
  m->ms.len = oscore_test_unhex(master_secret_hex, ms, 16);
  m->aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m->hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;
}

/* Builds a CWT: Encrypt0 (alg 10, kid h'a1') over {1: iss, 3: aud, 4: exp,
 * 7: cti, 8: {4: {0: h'01', 2: ms}}, 9: scope}. */
/* When set, make_token_cnf() MACs the claims instead of encrypting them. */
static int token_as_mac0;

static size_t make_token_cnf(const char *aud, int64_t exp, const char *key_hex, int cnf_kid,
                             uint8_t cti, uint8_t *out, size_t cap)
{
  struct gkdc_cbor_enc e;
  struct gkdc_cose_params params;
  uint8_t claims[256], key[16], ms[16], kid[1] = {0xa1};
  uint8_t scope[] = {0x81, 0x82, 0x63, 0x67, 0x70, 0x31, 0x06};
  size_t claims_len = 0, ms_len = oscore_test_unhex(master_secret_hex, ms, sizeof(ms));
  size_t out_len = cap;

  gkdc_cbor_enc_init(&e, claims, sizeof(claims));
  gkdc_cbor_enc_put_map(&e, 6);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_tstr_z(&e, "as1");
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_put_tstr_z(&e, aud);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_int(&e, exp);
  gkdc_cbor_enc_put_uint(&e, 7);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t[]){0x0b, cti}, 2);
  gkdc_cbor_enc_put_uint(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  if (cnf_kid) {
    /* {3: kid}: the id of the input material of an existing context. */
    gkdc_cbor_enc_put_uint(&e, 3);
    gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  } else {
    gkdc_cbor_enc_put_uint(&e, 4);
    gkdc_cbor_enc_put_map(&e, 2);
    gkdc_cbor_enc_put_uint(&e, 0);
    gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
    gkdc_cbor_enc_put_uint(&e, 2);
    gkdc_cbor_enc_put_bstr(&e, ms, ms_len);
  }
  gkdc_cbor_enc_put_uint(&e, 9);
  gkdc_cbor_enc_put_bstr(&e, scope, sizeof(scope));
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &claims_len) == GKDC_CBOR_OK);

  memset(&params, 0, sizeof(params));
  params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  params.kid.ptr = kid;
  params.kid.len = sizeof(kid);
  params.content_type = -1;
  if (token_as_mac0) {
    /* COSE_Mac0 with HMAC 256/256 under the AS's second key, kid h'a2'. */
    uint8_t mac_key[32];

    kid[0] = 0xa2;
    params.alg = GKDC_COSE_ALG_HMAC_256_256;
    params.tagged = 1; /* untagged tokens are taken as COSE_Encrypt0 */
    oscore_test_unhex("403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388",
                      mac_key, sizeof(mac_key));
    CU_ASSERT_FATAL(gkdc_cose_mac0_create(cx, &params, mac_key, sizeof(mac_key), claims,
                                          claims_len, NULL, 0, out, &out_len) == GKDC_COSE_OK);
    return out_len;
  }
  CU_ASSERT_FATAL(oscore_test_unhex(key_hex, key, sizeof(key)) == 16);
  CU_ASSERT_FATAL(gkdc_cose_encrypt0_create(cx, &params, key, sizeof(key), claims, claims_len,
                                            NULL, 0, out, &out_len) == GKDC_COSE_OK);
  return out_len;
}

static size_t make_token(const char *aud, int64_t exp, const char *key_hex, uint8_t *out,
                         size_t cap)
{
  return make_token_cnf(aud, exp, key_hex, 0, 0x71, out, cap);
}

/* POSTs an unprotected application/ace+cbor payload to the captured
 * /authz-info route. */
/* The peer that post_upload() posts from. */
static const struct gkdc_peer *upload_peer = &udp_peer;

static void post_upload(const uint8_t *payload, size_t len, struct gkdc_response *resp)
{
  struct gkdc_request req;

  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.method = GKDC_POST;
  req.content_format = GKDC_CF_ACE_CBOR;
  req.accept = GKDC_CF_NONE;
  req.observe = GKDC_OBSERVE_NONE;
  req.payload = payload;
  req.payload_len = len;
  req.peer = upload_peer;
  gkdc_response_init(resp);
  authz_route.handler(authz_route.arg, &req, resp);
}

/* POSTs {1: token, 40: nonce1, 43: id1} to the captured route. */
static void post_token(const uint8_t *token, size_t token_len, const uint8_t *nonce1,
                       size_t nonce1_len, uint8_t id1, struct gkdc_response *resp)
{
  struct gkdc_cbor_enc e;
  uint8_t payload[512];
  size_t len = 0;

  gkdc_cbor_enc_init(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_map(&e, nonce1 != NULL ? 3 : 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, token, token_len);
  if (nonce1 != NULL) {
    gkdc_cbor_enc_put_uint(&e, 40);
    gkdc_cbor_enc_put_bstr(&e, nonce1, nonce1_len);
    gkdc_cbor_enc_put_uint(&e, 43);
    gkdc_cbor_enc_put_bstr(&e, &id1, 1);
  }
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK);
  post_upload(payload, len, resp);
}

static void test_authz_info_then_oscore(void)
{
  static const uint8_t nonce1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  struct gkdc_response resp;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes n2, id2, challenge;
  struct gkdc_oscore_input_material m;
  struct gkdc_oscore_ctx *client;
  struct gkdc_oscore_request creq;
  struct gkdc_coap_msg get, prot, answer, inner;
  struct gkdc_bytes bn1 = {nonce1, sizeof(nonce1)};
  uint8_t id1 = 0x00;
  struct gkdc_bytes bid1 = {&id1, 1};
  uint8_t token[512], ms[16], buf[512], inner_buf[512], resp_payload[128];
  size_t token_len, resp_len;
  void *state = NULL;

  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_PTR_NOT_NULL_FATAL(plugin_cfg);
  routes = 0;
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  CU_ASSERT_EQUAL_FATAL(routes, 1);
  CU_ASSERT_STRING_EQUAL(authz_route.path, "authz-info");

  /* Rejections: wrong audience 4.03, unknown key 4.01, expired 4.01,
   * no nonce1 4.00. */
  token_len = make_token("other", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383",
                         token, sizeof(token));
  post_token(token, token_len, nonce1, sizeof(nonce1), id1, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 3));
  gkdc_response_clear(&resp);
  token_len = make_token("kdc1", fake_time + 3600, "00000000000000000000000000000000",
                         token, sizeof(token));
  post_token(token, token_len, nonce1, sizeof(nonce1), id1, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 1));
  gkdc_response_clear(&resp);
  token_len = make_token("kdc1", fake_time - 1, "231f4c4d4d3051fdc2ec0a3851d5b383", token,
                         sizeof(token));
  post_token(token, token_len, nonce1, sizeof(nonce1), id1, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 1));
  gkdc_response_clear(&resp);
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383",
                         token, sizeof(token));
  post_token(token, token_len, NULL, 0, id1, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 0));
  gkdc_response_clear(&resp);

  /* A MACed token that verifies would still show the Master Secret. */
  token_as_mac0 = 1;
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383",
                         token, sizeof(token));
  token_as_mac0 = 0;
  post_token(token, token_len, nonce1, sizeof(nonce1), id1, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 1));
  gkdc_response_clear(&resp);
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383",
                         token, sizeof(token));

  /* Accepted: 2.01 {42: N2, 44: ID2, 46: the KDC's kdcchallenge}. */
  post_token(token, token_len, nonce1, sizeof(nonce1), id1, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(resp.content_format, GKDC_CF_ACE_CBOR);
  CU_ASSERT_FATAL(resp.payload_len <= sizeof(resp_payload));
  memcpy(resp_payload, resp.payload, resp.payload_len);
  resp_len = resp.payload_len;
  gkdc_response_clear(&resp);
  CU_ASSERT_FATAL(gkdc_cbor_dec_init(&d, resp_payload, resp_len, NULL) == GKDC_CBOR_OK);
  CU_ASSERT_FATAL(gkdc_cbor_dec_enter_map(&d, NULL));
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, 42, &v) && gkdc_cbor_dec_get_bstr(&v, &n2));
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, 44, &v) && gkdc_cbor_dec_get_bstr(&v, &id2));
  CU_ASSERT_FATAL(gkdc_cbor_dec_map_find_int(&d, 46, &v) &&
                  gkdc_cbor_dec_get_bstr(&v, &challenge));
  CU_ASSERT_EQUAL(n2.len, 8);
  CU_ASSERT(id2.len == 1 && id2.ptr[0] == 0x01); /* smallest free value other than ID1 */
  CU_ASSERT(challenge.len == 2 && challenge.ptr[0] == 0x0a);

  /* The client derives the same context and sends GET over OSCORE. */
  test_material(&m, ms);
  client = gkdc_oscore_ace_derive(cx, &m, bn1, n2, bid1, id2, GKDC_OSCORE_ACE_CLIENT);
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);
  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 77;
  get.token_len = 1;
  get.token[0] = 0x42;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 1;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  dispatches = 0;
  reply_wire_len = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT(dispatch_had_authz);
  CU_ASSERT_FATAL(reply_wire_len > 0);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_EQUAL(answer.code, GKDC_CODE(2, 4));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf,
                                                       sizeof(inner_buf), &creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(inner.code, GKDC_CODE(2, 5));
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);

  /* The CON retransmission is answered from the cache, not dispatched. */
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(2, 4));

  /* Update of access rights: a protected POST /authz-info with a token
   * whose cnf names the input material {3: h'01'}. */
  {
    uint8_t payload[600], upd_buf[1024];
    struct gkdc_coap_msg post, upd;
    struct gkdc_cbor_enc e;
    size_t payload_len = 0;
    uint8_t cf = GKDC_CF_ACE_CBOR;

    CU_ASSERT_EQUAL(dispatch_token_id[1], 0x71);
    token_len = make_token_cnf("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383", 1,
                               0x72, token, sizeof(token));
    gkdc_cbor_enc_init(&e, payload, sizeof(payload));
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, 1);
    gkdc_cbor_enc_put_bstr(&e, token, token_len);
    CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &payload_len) == GKDC_CBOR_OK);
    memset(&post, 0, sizeof(post));
    post.type = GKDC_COAP_CON;
    post.code = GKDC_POST;
    post.mid = 78;
    post.token_len = 1;
    post.token[0] = 0x43;
    post.options[0] =
        (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"authz-info", 10}};
    post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
    post.option_count = 2;
    post.payload.ptr = payload;
    post.payload.len = payload_len;
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &post, 0, &upd, upd_buf,
                                                      sizeof(upd_buf), &creq),
                          GKDC_OSCORE_OK);
    intercept_fn(intercept_arg, NULL, &upd, &udp_peer);
    CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf,
                                                         sizeof(inner_buf), &creq),
                          GKDC_OSCORE_OK);
    CU_ASSERT_EQUAL(inner.code, GKDC_CODE(2, 1));
    /* {46: h'0a0b'}, the KDC's pair. */
    CU_ASSERT(inner.payload.len == 6 && inner.payload.ptr[0] == 0xa1 &&
              inner.payload.ptr[2] == 0x2e);

    /* The next request carries the new token's authorization. */
    get.mid = 79;
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf),
                                                      &creq),
                          GKDC_OSCORE_OK);
    intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
    CU_ASSERT_EQUAL(dispatches, 2);
    CU_ASSERT_EQUAL(dispatch_token_id[1], 0x72);
  }

  /* After the token's exp the context answers 4.01 and is gone; the KDC
   * hears of it. */
  fake_time += 3601;
  tokens_ended = 0;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));
  CU_ASSERT_EQUAL(tokens_ended, 1);
  CU_ASSERT_EQUAL(dispatches, 2);

  gkdc_oscore_ctx_free(client);
  desc->fini(state);
  gkdc_config_free();
}

/* The plugin's client side against its own server side: upload, context,
 * protected GET, and the response filter. */
static void test_client_side(void)
{
  const struct gkdc_profile_ops *ops = desc->ops;
  struct gkdc_profile_client_args args;
  gkdc_profile_client *client = NULL;
  gkdc_profile_binding *binding = NULL;
  struct gkdc_response resp;
  struct gkdc_coap_msg get, prot, answer, inner, err;
  uint8_t token[512], cnf[64], ms[16], upload[700], buf[512], inner_buf[512];
  uint8_t kdc_ask[] = {0x18, 0x2d, 0xf6}; /* sign_info (45): null */
  size_t token_len, cnf_len, upload_len = sizeof(upload);
  struct gkdc_cbor_enc e;
  void *state = NULL;

  CU_ASSERT_FATAL(GKDC_HAS_OP(ops, client_unprotect_response));
  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));

  /* The AS's Access Information: the token and cnf {4: {0: h'01', 2: ms}}. */
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383", token,
                         sizeof(token));
  gkdc_cbor_enc_init(&e, cnf, sizeof(cnf));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, oscore_test_unhex(master_secret_hex, ms, sizeof(ms)));
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &cnf_len) == GKDC_CBOR_OK);
  memset(&args, 0, sizeof(args));
  args.size = sizeof(args);
  args.access_token.ptr = token;
  args.access_token.len = token_len;
  args.cnf.ptr = cnf;
  args.cnf.len = cnf_len;
  CU_ASSERT_FATAL(ops->client_new(state, &args, &client));

  /* Upload with the KDC's sign_info request merged in. */
  CU_ASSERT_FATAL(ops->client_authz_info_request(state, client, kdc_ask, sizeof(kdc_ask), 1,
                                                 upload, &upload_len));
  post_upload(upload, upload_len, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(ops->client_authz_info_response(state, client, resp.payload,
                                                  resp.payload_len));
  /* A second answer to the same upload is refused. */
  CU_ASSERT_FALSE(ops->client_authz_info_response(state, client, resp.payload,
                                                  resp.payload_len));

  /* The server of the session sends a request to the client: the same
   * context, seen from the server (Sender ID = ID1), derived here from the
   * upload's nonce1 and the answer's nonce2 and ID2. */
  {
    struct gkdc_cbor_dec du, dr, v;
    struct gkdc_bytes n1, n2, id1, id2;
    struct gkdc_oscore_input_material m;
    struct gkdc_oscore_ctx *kdc_side;
    struct gkdc_oscore_request kreq;
    struct gkdc_coap_msg kget, kprot, kanswer, kinner;
    uint8_t kbuf[512], kinner_buf[512];

    CU_ASSERT_FATAL(gkdc_cbor_dec_init(&du, upload, upload_len, NULL) == GKDC_CBOR_OK &&
                    gkdc_cbor_dec_enter_map(&du, NULL) &&
                    gkdc_cbor_dec_map_find_int(&du, 40, &v) &&
                    gkdc_cbor_dec_get_bstr(&v, &n1) &&
                    gkdc_cbor_dec_map_find_int(&du, 43, &v) &&
                    gkdc_cbor_dec_get_bstr(&v, &id1));
    CU_ASSERT_FATAL(gkdc_cbor_dec_init(&dr, resp.payload, resp.payload_len, NULL) ==
                        GKDC_CBOR_OK &&
                    gkdc_cbor_dec_enter_map(&dr, NULL) &&
                    gkdc_cbor_dec_map_find_int(&dr, 42, &v) &&
                    gkdc_cbor_dec_get_bstr(&v, &n2) &&
                    gkdc_cbor_dec_map_find_int(&dr, 44, &v) &&
                    gkdc_cbor_dec_get_bstr(&v, &id2));
    test_material(&m, ms);
    kdc_side = gkdc_oscore_ace_derive(cx, &m, n1, n2, id1, id2, GKDC_OSCORE_ACE_SERVER);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kdc_side);

    memset(&kget, 0, sizeof(kget));
    kget.type = GKDC_COAP_CON;
    kget.code = GKDC_GET;
    kget.mid = 91;
    kget.token_len = 1;
    kget.token[0] = 0x51;
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(kdc_side, &kget, 0, &kprot, kbuf,
                                                      sizeof(kbuf), &kreq),
                          GKDC_OSCORE_OK);
    dispatches = 0;
    reply_wire_len = 0;
    intercept_fn(intercept_arg, NULL, &kprot, &udp_peer);
    CU_ASSERT_EQUAL(dispatches, 1);
    CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &kanswer));
    CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(kdc_side, &kanswer, &kinner, kinner_buf,
                                                   sizeof(kinner_buf), &kreq),
                    GKDC_OSCORE_OK);
    CU_ASSERT(kinner.payload.len == 2 && memcmp(kinner.payload.ptr, "hi", 2) == 0);
    gkdc_oscore_ctx_free(kdc_side);
  }
  gkdc_response_clear(&resp);

  /* A protected GET and its response. */
  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 90;
  get.token_len = 1;
  get.token[0] = 0x50;
  CU_ASSERT_FATAL(ops->client_protect_request(state, client, &get, &prot, buf, sizeof(buf),
                                              &binding));
  dispatches = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_FATAL(ops->client_unprotect_response(state, client, binding, &answer, &inner,
                                                 inner_buf, sizeof(inner_buf)));
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);

  /* Unprotected answers: 4.01 passes as the OSCORE layer's error, 2.05
   * is dropped. */
  memset(&err, 0, sizeof(err));
  err.type = GKDC_COAP_ACK;
  err.code = GKDC_CODE(4, 1);
  CU_ASSERT(ops->client_unprotect_response(state, client, binding, &err, &inner, inner_buf,
                                           sizeof(inner_buf)));
  CU_ASSERT_EQUAL(inner.code, GKDC_CODE(4, 1));
  err.code = GKDC_CODE(2, 5);
  CU_ASSERT_FALSE(ops->client_unprotect_response(state, client, binding, &err, &inner,
                                                 inner_buf, sizeof(inner_buf)));

  ops->binding_release(state, binding);
  ops->client_free(state, client);
  desc->fini(state);
  gkdc_config_free();
}

/* Loads store-sqlite from the build tree with a fresh state directory. */
static void *store_dl;
static const struct gkdc_plugin_desc *store_desc;

static int load_store(void)
{
  const char *path = TOP_BUILDDIR "/plugins/store-sqlite/.libs/store-sqlite.so";
  gkdc_plugin_entry_fn entry;
  void *st = NULL;

  strcpy(state_dir, "/tmp/gkdc-oscore-XXXXXX");
  if (mkdtemp(state_dir) == NULL)
    return 0;
  store_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (store_dl == NULL) {
    fprintf(stderr, "\n  cannot load %s: %s\n", path, dlerror());
    return 0;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(store_dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL)
    return 0;
  store_desc = entry();
  full_host_init();
  if (!store_desc->init(STORE_SELF, &full_host, &st))
    return 0;
  store_provider.ops = store_desc->ops;
  store_provider.state = st;
  store_provider.plugin_name = store_desc->name;
  store_loaded = 1;
  return 1;
}

static void unload_store(void)
{
  char cmd[128];

  store_desc->fini(store_provider.state);
  store_loaded = 0;
  if (getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(store_dl);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "\n  cannot remove %s\n", state_dir);
}

/* Uploads a fresh token with `nonce1` and ID1 h'00' and returns the
 * client's context for it. */
static struct gkdc_oscore_ctx *open_context(const uint8_t nonce1[8])
{
  struct gkdc_response resp;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes n2, id2;
  struct gkdc_oscore_input_material m;
  struct gkdc_oscore_ctx *client;
  struct gkdc_bytes bn1 = {nonce1, 8};
  uint8_t id1 = 0x00;
  struct gkdc_bytes bid1 = {&id1, 1};
  uint8_t token[512], ms[16], payload[128];
  size_t token_len, payload_len;

  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383", token,
                         sizeof(token));
  post_token(token, token_len, nonce1, 8, id1, &resp);
  if (resp.code != GKDC_CODE(2, 1) || resp.payload_len > sizeof(payload)) {
    gkdc_response_clear(&resp);
    return NULL;
  }
  memcpy(payload, resp.payload, resp.payload_len);
  payload_len = resp.payload_len;
  gkdc_response_clear(&resp);
  if (gkdc_cbor_dec_init(&d, payload, payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, 42, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &n2) || !gkdc_cbor_dec_map_find_int(&d, 44, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &id2))
    return NULL;
  test_material(&m, ms);
  client = gkdc_oscore_ace_derive(cx, &m, bn1, n2, bid1, id2, GKDC_OSCORE_ACE_CLIENT);
  return client;
}

/* Protects a GET with `mid` from `client` and feeds it to the plugin;
 * returns the unprotect status of the reply at the client. */
static enum gkdc_oscore_status client_get(struct gkdc_oscore_ctx *client, uint16_t mid,
                                          struct gkdc_coap_msg *prot, uint8_t *buf,
                                          size_t cap, struct gkdc_coap_msg *inner,
                                          uint8_t *inner_buf, size_t inner_cap,
                                          const struct gkdc_coap_msg *extra_option)
{
  struct gkdc_coap_msg get, answer;
  struct gkdc_oscore_request creq;

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = mid;
  get.token_len = 1;
  get.token[0] = (uint8_t)mid;
  if (extra_option != NULL) {
    get.options[0] = extra_option->options[0];
    get.option_count = 1;
  }
  if (gkdc_oscore_protect_request(client, &get, 0, prot, buf, cap, &creq) != GKDC_OSCORE_OK)
    return GKDC_OSCORE_ERR_INVALID;
  reply_wire_len = 0;
  intercept_fn(intercept_arg, NULL, prot, &udp_peer);
  if (reply_wire_len == 0 || !gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer))
    return GKDC_OSCORE_ERR_INVALID;
  if (gkdc_oscore_response_classify(&answer) != GKDC_OSCORE_RESPONSE_PROTECTED)
    return GKDC_OSCORE_ERR_NOT_PROTECTED;
  return gkdc_oscore_unprotect_response(client, &answer, inner, inner_buf, inner_cap, &creq);
}

/* Restarts with the store: a clean restart keeps the replay window, a
 * crash leads to the Echo exchange with a Partial IV above the stored
 * bound. */
static void test_restart_with_store(void)
{
  static const uint8_t nonce1[8] = {8, 7, 6, 5, 4, 3, 2, 1};
  struct gkdc_oscore_ctx *client;
  struct gkdc_coap_msg prot, first, inner, echo_req;
  const struct gkdc_coap_option *o;
  uint8_t buf[512], first_buf[512], inner_buf[512];
  uint8_t echo_value[GKDC_OSCORE_ECHO_LEN];
  void *state1 = NULL, *state2 = NULL, *state3 = NULL;

  CU_ASSERT_FATAL(load_store());
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");

  /* First run: token upload, one request. */
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state1));
  client = open_context(nonce1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);
  CU_ASSERT_EQUAL(client_get(client, 100, &first, first_buf, sizeof(first_buf), &inner,
                             inner_buf, sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);

  /* Clean restart: the context and its window come back from the store. */
  desc->fini(state1);
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state2));
  reply_code = 0;
  intercept_fn(intercept_arg, NULL, &first, &udp_peer); /* the old request again */
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));
  CU_ASSERT_STRING_EQUAL(reply_payload, "Replay detected");
  CU_ASSERT_EQUAL(client_get(client, 101, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);

  /* Crash: a new instance starts while the old one never shut down. The
   * window is unknown, so the next request gets a protected 4.01 with
   * Echo, whose Partial IV (128) lies above every number used before. */
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state3));
  CU_ASSERT_EQUAL_FATAL(client_get(client, 102, &prot, buf, sizeof(buf), &inner, inner_buf,
                                   sizeof(inner_buf), NULL),
                        GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(inner.code, GKDC_CODE(4, 1));
  o = gkdc_oscore_msg_find(&inner, GKDC_OPT_ECHO);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_EQUAL_FATAL(o->value.len, GKDC_OSCORE_ECHO_LEN);
  memcpy(echo_value, o->value.ptr, sizeof(echo_value));
  {
    struct gkdc_coap_msg answer;
    const struct gkdc_coap_option *osc;

    CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
    osc = gkdc_oscore_msg_find(&answer, GKDC_OPT_OSCORE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(osc);
    CU_ASSERT(osc->value.len == 2 && osc->value.ptr[0] == 0x01 && osc->value.ptr[1] == 0x80);
  }

  /* The request that repeats the Echo value is served. */
  memset(&echo_req, 0, sizeof(echo_req));
  echo_req.options[0] =
      (struct gkdc_coap_option){GKDC_OPT_ECHO, {echo_value, sizeof(echo_value)}};
  dispatches = 0;
  CU_ASSERT_EQUAL(client_get(client, 103, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), &echo_req),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(inner.code, GKDC_CODE(2, 5));
  CU_ASSERT_EQUAL(dispatches, 1);

  gkdc_oscore_ctx_free(client);
  desc->fini(state3);
  desc->fini(state2);
  unload_store();
  gkdc_config_free();
}

static void test_observe_through_oscore(void)
{
  static const uint8_t nonce1[8] = {9, 9, 9, 9, 1, 2, 3, 4};
  struct gkdc_oscore_ctx *client;
  struct gkdc_oscore_request creq;
  struct gkdc_coap_msg get, prot, answer, inner, first;
  const struct gkdc_coap_option *o;
  uint8_t buf[512], inner_buf[512], first_wire[1200];
  size_t first_len;
  void *state = NULL;

  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  hook_fn = NULL;
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  CU_ASSERT_PTR_NOT_NULL_FATAL(hook_fn);
  client = open_context(nonce1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);

  /* GET /x with Observe 0: the first response is a notification. */
  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 200;
  get.token_len = 2;
  get.token[0] = 0x0b;
  get.token[1] = 0x5e;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_OBSERVE, {NULL, 0}};
  get.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 2;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  keeps = releases = notifies = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(keeps, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_EQUAL(answer.code, GKDC_CODE(2, 5));
  CU_ASSERT_PTR_NOT_NULL(gkdc_oscore_msg_find(&answer, GKDC_OPT_OBSERVE));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf,
                                                       sizeof(inner_buf), &creq),
                        GKDC_OSCORE_OK);
  CU_ASSERT(creq.notified);
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);
  memcpy(first_wire, reply_wire, reply_wire_len);
  first_len = reply_wire_len;

  /* A change of /x sends a fresh notification; other paths send none. */
  hook_fn(hook_arg, "other");
  CU_ASSERT_EQUAL(notifies, 0);
  hook_fn(hook_arg, "x");
  CU_ASSERT_EQUAL_FATAL(notifies, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(notify_wire, notify_wire_len, &answer));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf,
                                                       sizeof(inner_buf), &creq),
                        GKDC_OSCORE_OK);
  o = gkdc_oscore_msg_find(&inner, GKDC_OPT_OBSERVE);
  CU_ASSERT_PTR_NOT_NULL(o);
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);

  /* The first notification again is older than the Notification Number. */
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(first_wire, first_len, &first));
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(client, &first, &inner, inner_buf,
                                                 sizeof(inner_buf), &creq),
                  GKDC_OSCORE_ERR_RESPONSE);

  /* Once the token expired, the periodic sweep ends the context: the
   * observation gets an unprotected 4.01 and the KDC hears of it. */
  fake_time += 7200;
  tokens_ended = 0;
  CU_ASSERT_PTR_NOT_NULL_FATAL(timer_fn);
  timer_fn(timer_arg);
  CU_ASSERT_EQUAL(tokens_ended, 1);
  CU_ASSERT_EQUAL_FATAL(notifies, 2);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(notify_wire, notify_wire_len, &answer));
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&answer), GKDC_OSCORE_RESPONSE_OSCORE_ERROR);
  CU_ASSERT_EQUAL(answer.code, GKDC_CODE(4, 1));
  CU_ASSERT_EQUAL(releases, 1);
  hook_fn(hook_arg, "x");
  CU_ASSERT_EQUAL(notifies, 2);

  timers_cancelled = 0;
  gkdc_oscore_ctx_free(client);
  desc->fini(state);
  CU_ASSERT_EQUAL(timers_cancelled, 1);
  gkdc_config_free();
}

static void test_repost_match_lookup(void)
{
  static const uint8_t nonce_a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  static const uint8_t nonce_b[8] = {2, 2, 2, 2, 2, 2, 2, 2};
  const struct gkdc_profile_ops *ops = desc->ops;
  struct gkdc_oscore_ctx *first, *second;
  struct gkdc_coap_msg prot, inner;
  struct gkdc_request req;
  struct gkdc_peer peer;
  const struct gkdc_authz *authz = NULL;
  uint8_t buf[512], inner_buf[512];
  uint8_t with_nonce[] = {0xa2, 0x01, 0x41, 0x01, 0x18, 0x28, 0x41, 0x02};
  uint8_t without_nonce[] = {0xa1, 0x01, 0x41, 0x01};
  void *state = NULL;

  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));

  /* authz_info_match: unprotected uploads with nonce1, protected ones. */
  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.method = GKDC_POST;
  req.content_format = GKDC_CF_ACE_CBOR;
  req.payload = with_nonce;
  req.payload_len = sizeof(with_nonce);
  req.peer = &udp_peer;
  CU_ASSERT(ops->authz_info_match(state, &req));
  req.payload = without_nonce;
  req.payload_len = sizeof(without_nonce);
  CU_ASSERT_FALSE(ops->authz_info_match(state, &req));
  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_OSCORE;
  req.peer = &peer;
  CU_ASSERT(ops->authz_info_match(state, &req));
  req.method = GKDC_GET;
  CU_ASSERT_FALSE(ops->authz_info_match(state, &req));

  /* The same token posted again: the new context replaces the old one
   * once it has verified a request; until then both work. */
  first = open_context(nonce_a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  second = open_context(nonce_b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(second);
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts), 2);
  CU_ASSERT_EQUAL(client_get(first, 299, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(client_get(second, 300, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(client_get(first, 301, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_ERR_NOT_PROTECTED);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts), 1);

  /* A representation larger than one datagram is protected whole. */
  {
    struct gkdc_coap_msg big_get, big_prot, big_answer, big_inner;
    struct gkdc_oscore_request breq;
    static uint8_t big_inner_buf[4096];

    memset(&big_get, 0, sizeof(big_get));
    big_get.type = GKDC_COAP_CON;
    big_get.code = GKDC_GET;
    big_get.mid = 302;
    big_get.token_len = 1;
    big_get.token[0] = 0x77;
    big_get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                                   {(const uint8_t *)"big", 3}};
    big_get.option_count = 1;
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(second, &big_get, 0, &big_prot, buf,
                                                      sizeof(buf), &breq),
                          GKDC_OSCORE_OK);
    reply_wire_len = 0;
    intercept_fn(intercept_arg, NULL, &big_prot, &udp_peer);
    CU_ASSERT_FATAL(reply_wire_len > 3000);
    CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &big_answer));
    CU_ASSERT_EQUAL_FATAL(gkdc_oscore_unprotect_response(second, &big_answer, &big_inner,
                                                         big_inner_buf, sizeof(big_inner_buf),
                                                         &breq),
                          GKDC_OSCORE_OK);
    CU_ASSERT_EQUAL(big_inner.payload.len, 3000);
  }

  /* authz_lookup by the kid the server receives with. */
  peer.identity.ptr = second->sender_id;
  peer.identity.len = second->sender_id_len;
  CU_ASSERT(ops->authz_lookup(state, &peer, &authz));
  CU_ASSERT(authz != NULL && authz->token_id.len == 2);
  peer.identity.ptr = first->sender_id;
  peer.identity.len = first->sender_id_len;
  CU_ASSERT_FALSE(first->sender_id_len == second->sender_id_len &&
                  memcmp(first->sender_id, second->sender_id, first->sender_id_len) == 0);
  CU_ASSERT_FALSE(ops->authz_lookup(state, &peer, &authz));

  gkdc_oscore_ctx_free(first);
  gkdc_oscore_ctx_free(second);
  desc->fini(state);
  gkdc_config_free();
}

/* Starts the plugin on `config`; returns 1 when it started (and stops it
 * again), 0 when init failed. */
static int start_with(const char *config)
{
  void *state = NULL;
  int ok;

  full_host_init();
  log_text[0] = '\0';
  if (!gkdc_config_load_string(config))
    return -1;
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  ok = desc->init(NULL, &full_host, &state);
  if (ok)
    desc->fini(state);
  gkdc_config_free();
  return ok;
}

/* Unknown setting names and AS keys of the wrong length for their alg
 * stop the start, with the place and the reason in the log. */
static void test_config_rejects(void)
{
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = { audience = \"kdc1\";\n"
                             "  as_key = ( { key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; } );\n"
                             "} };\n"),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "unknown setting 'as_key'"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, ":2"));

  /* Unknown names are rejected also without an audience. */
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = {\n"
                             "  expiry_check = 5; } };\n"),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "unknown setting 'expiry_check'"));

  /* An unknown name inside an as_keys entry. */
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = { audience = \"kdc1\";\n"
                             "  as_keys = ( { key = \"231f4c4d4d3051fdc2ec0a3851d5b383\";\n"
                             "                algorithm = 10; } );\n"
                             "} };\n"),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "unknown setting 'algorithm'"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, ":3"));

  /* A 5-byte key for AES-CCM-16-64-128 (alg 10) and a 32-byte one for
   * AES-CCM-16-128-128 (alg 30): both need 16 bytes. */
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = { audience = \"kdc1\";\n"
                             "  as_keys = ( { key = \"0001020304\"; alg = 10; } );\n"
                             "} };\n"),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "as_keys entry 1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "5 bytes"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "needs 16 bytes"));
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = { audience = \"kdc1\";\n"
                             "  as_keys = ( { key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; },\n"
                             "              { key = \"403697de87af64611c1d32a05dab0fe1"
                             "fcb715a86ab435f1ec99192d79569388\"; alg = 30; } );\n"
                             "} };\n"),
                  0);
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "as_keys entry 2"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "32 bytes"));
  CU_ASSERT_PTR_NOT_NULL(strstr(log_text, "needs 16 bytes"));

  /* The settings of the test configuration and every documented one. */
  CU_ASSERT_EQUAL(start_with(plugin_config), 1);
  CU_ASSERT_EQUAL(start_with("plugin_config = { profile-oscore = { audience = \"kdc1\";\n"
                             "  issuer = \"as1\"; expiry_check_ms = 0; authz_info_rate = 5;\n"
                             "  authz_info_burst = 9;\n"
                             "  as_keys = ( { kid = \"a1\"; key = \"231f4c4d4d3051fdc2ec0a3851d5b383\";\n"
                             "                alg = 30; time_ms = true; lifetime = 60; } );\n"
                             "} };\n"),
                  1);
}

/* Reposts of one token keep at most two contexts, in memory and in the
 * store: the verified one and the newest pending one. */
static void test_repost_bounds_contexts(void)
{
  enum { REPOSTS = 8 };
  struct gkdc_oscore_ctx *first, *second = NULL, *latest = NULL;
  struct gkdc_coap_msg prot, inner;
  uint8_t buf[512], inner_buf[512], nonce[8];
  void *state1 = NULL, *state2 = NULL;
  int i;

  CU_ASSERT_FATAL(load_store());
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state1));

  memset(nonce, 0x30, sizeof(nonce));
  first = open_context(nonce);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  CU_ASSERT_EQUAL(client_get(first, 400, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);

  for (i = 1; i <= REPOSTS; i++) {
    struct gkdc_oscore_ctx *ctx;

    nonce[0] = (uint8_t)(0x40 + i);
    ctx = open_context(nonce);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
    CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state1)->contexts), 2);
    if (second == NULL)
      second = ctx;
    else if (latest != second)
      gkdc_oscore_ctx_free(latest);
    latest = ctx;
  }

  /* The verified context still works; the first pending one is gone. */
  CU_ASSERT_EQUAL(client_get(first, 401, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL(client_get(second, 402, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_ERR_NOT_PROTECTED);
  CU_ASSERT_EQUAL(reply_code, GKDC_CODE(4, 1));

  /* The store holds the same two contexts. */
  desc->fini(state1);
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state2));
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state2)->contexts), 2);
  CU_ASSERT_EQUAL(client_get(latest, 403, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);

  gkdc_oscore_ctx_free(first);
  gkdc_oscore_ctx_free(second);
  gkdc_oscore_ctx_free(latest);
  desc->fini(state2);
  unload_store();
  gkdc_config_free();
}

/* Builds a token with exi (no exp) and cti = "rs1" || 8-byte `seq`, or a
 * cti of `short_cti` bytes when that is not 0. */
static size_t make_exi_token(int64_t exi, uint64_t seq, size_t short_cti, uint8_t *out,
                             size_t cap)
{
  struct gkdc_cbor_enc e;
  struct gkdc_cose_params params;
  uint8_t claims[256], key[16], ms[16], cti[11] = {'r', 's', '1'}, kid[1] = {0xa1};
  uint8_t scope[] = {0x81, 0x82, 0x63, 0x67, 0x70, 0x31, 0x06};
  size_t claims_len = 0, out_len = cap, i;

  for (i = 0; i < 8; i++)
    cti[3 + i] = (uint8_t)(seq >> (56 - 8 * i));
  oscore_test_unhex(master_secret_hex, ms, sizeof(ms));
  gkdc_cbor_enc_init(&e, claims, sizeof(claims));
  gkdc_cbor_enc_put_map(&e, 6);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_tstr_z(&e, "as1");
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_put_tstr_z(&e, "kdc1");
  gkdc_cbor_enc_put_uint(&e, 7);
  gkdc_cbor_enc_put_bstr(&e, cti, short_cti != 0 ? short_cti : sizeof(cti));
  gkdc_cbor_enc_put_uint(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, sizeof(ms));
  gkdc_cbor_enc_put_uint(&e, 9);
  gkdc_cbor_enc_put_bstr(&e, scope, sizeof(scope));
  gkdc_cbor_enc_put_uint(&e, 40);
  gkdc_cbor_enc_put_int(&e, exi);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &claims_len) == GKDC_CBOR_OK);

  memset(&params, 0, sizeof(params));
  params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  params.kid.ptr = kid;
  params.kid.len = sizeof(kid);
  params.content_type = -1;
  oscore_test_unhex("231f4c4d4d3051fdc2ec0a3851d5b383", key, sizeof(key));
  CU_ASSERT_FATAL(gkdc_cose_encrypt0_create(cx, &params, key, sizeof(key), claims, claims_len,
                                            NULL, 0, out, &out_len) == GKDC_COSE_OK);
  return out_len;
}

/* exi tokens (RFC 9200 section 5.10.3): the lifetime counts from the first
 * upload, a repost is accepted, and an expired sequence number is not. */
static void test_exi_tokens(void)
{
  static const uint8_t nonce_a[8] = {3, 3, 3, 3, 3, 3, 3, 3};
  static const uint8_t nonce_b[8] = {4, 4, 4, 4, 4, 4, 4, 4};
  struct gkdc_response resp;
  uint8_t token[512], older[512];
  size_t token_len, older_len;
  void *state = NULL;

  CU_ASSERT_FATAL(load_store());
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));

  older_len = make_exi_token(100, 5, 0, older, sizeof(older));
  token_len = make_exi_token(100, 6, 0, token, sizeof(token));
  post_token(token, token_len, nonce_a, 8, 0x00, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);

  /* Posted again 60 s later: accepted, but it expires 100 s after the
   * first upload. */
  fake_time += 60;
  post_token(token, token_len, nonce_b, 8, 0x00, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);

  /* 41 s later the lifetime is over: the sweep ends the context and the
   * store records sequence number 6 as expired, so number 5 is refused. */
  fake_time += 41;
  tokens_ended = 0;
  timer_fn(timer_arg);
  CU_ASSERT_EQUAL(tokens_ended, 1);
  post_token(older, older_len, nonce_a, 8, 0x00, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 1));
  gkdc_response_clear(&resp);

  /* A cti without room for the sequence number. */
  token_len = make_exi_token(100, 7, 4, token, sizeof(token));
  post_token(token, token_len, nonce_a, 8, 0x00, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 1));
  gkdc_response_clear(&resp);

  desc->fini(state);
  unload_store();
  gkdc_config_free();
}

/* The shape of a token for make_token_x(). */
struct token_spec {
  const char *iss;       /* NULL: none */
  const char *aud;
  int64_t exp;           /* 0: none */
  int64_t nbf;           /* 0: none */
  uint64_t exi;          /* 0: none */
  const uint8_t *cti;    /* NULL: none */
  size_t cti_len;
  int cnf;               /* 0: none, 1: osc material, 2: {3: h'01'} */
  int mac0;              /* a bare COSE_Mac0 under key h'a2' */
  uint8_t kid;           /* kid of the Encrypt0 layer */
  int nest;              /* 1: COSE_Sign1 (kid h'a3') inside the Encrypt0,
                          * 2: COSE_Mac0 (kid h'a2') inside it, 3: a bare
                          * COSE_Sign1 */
  const char *aud2;      /* set: aud is the array [aud, aud2] */
};

/* The AS's signing key of the COSE_Sign1 tests (Ed25519). */
static uint8_t sign_priv[32], sign_pub[32];

static size_t make_token_x(const struct token_spec *t, uint8_t *out, size_t cap)
{
  struct gkdc_cbor_enc e;
  struct gkdc_cose_params params;
  uint8_t claims[256], key[32], ms[16], kid = t->kid;
  uint8_t scope[] = {0x81, 0x82, 0x63, 0x67, 0x70, 0x31, 0x06};
  size_t claims_len = 0, ms_len = oscore_test_unhex(master_secret_hex, ms, sizeof(ms));
  size_t out_len = cap, n = 2;

  n += (t->iss != NULL) + (t->exp != 0) + (t->nbf != 0) + (t->exi != 0) + (t->cti != NULL) +
       (t->cnf != 0);
  gkdc_cbor_enc_init(&e, claims, sizeof(claims));
  gkdc_cbor_enc_put_map(&e, n);
  if (t->iss != NULL) {
    gkdc_cbor_enc_put_uint(&e, 1);
    gkdc_cbor_enc_put_tstr_z(&e, t->iss);
  }
  gkdc_cbor_enc_put_uint(&e, 3);
  if (t->aud2 != NULL) {
    gkdc_cbor_enc_put_array(&e, 2);
    gkdc_cbor_enc_put_tstr_z(&e, t->aud);
    gkdc_cbor_enc_put_tstr_z(&e, t->aud2);
  } else {
    gkdc_cbor_enc_put_tstr_z(&e, t->aud);
  }
  if (t->exp != 0) {
    gkdc_cbor_enc_put_uint(&e, 4);
    gkdc_cbor_enc_put_int(&e, t->exp);
  }
  if (t->nbf != 0) {
    gkdc_cbor_enc_put_uint(&e, 5);
    gkdc_cbor_enc_put_int(&e, t->nbf);
  }
  if (t->cti != NULL) {
    gkdc_cbor_enc_put_uint(&e, 7);
    gkdc_cbor_enc_put_bstr(&e, t->cti, t->cti_len);
  }
  if (t->cnf == 1) {
    gkdc_cbor_enc_put_uint(&e, 8);
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, 4);
    gkdc_cbor_enc_put_map(&e, 2);
    gkdc_cbor_enc_put_uint(&e, 0);
    gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
    gkdc_cbor_enc_put_uint(&e, 2);
    gkdc_cbor_enc_put_bstr(&e, ms, ms_len);
  } else if (t->cnf == 2) {
    gkdc_cbor_enc_put_uint(&e, 8);
    gkdc_cbor_enc_put_map(&e, 1);
    gkdc_cbor_enc_put_uint(&e, 3);
    gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  }
  gkdc_cbor_enc_put_uint(&e, 9);
  gkdc_cbor_enc_put_bstr(&e, scope, sizeof(scope));
  if (t->exi != 0) {
    gkdc_cbor_enc_put_uint(&e, 40);
    gkdc_cbor_enc_put_uint(&e, t->exi);
  }
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &claims_len) == GKDC_CBOR_OK);

  memset(&params, 0, sizeof(params));
  params.content_type = -1;
  params.kid.ptr = &kid;
  params.kid.len = 1;
  if (t->nest != 0) {
    uint8_t inner[512];
    size_t inner_len = sizeof(inner);
    uint8_t inner_kid = t->nest == 2 ? 0xa2 : 0xa3;
    struct gkdc_cose_params ip = params;

    ip.kid.ptr = &inner_kid;
    ip.tagged = 1; /* a nested message is recognized by its tag */
    if (t->nest == 2) {
      ip.alg = GKDC_COSE_ALG_HMAC_256_256;
      oscore_test_unhex("403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388",
                        key, sizeof(key));
      CU_ASSERT_FATAL(gkdc_cose_mac0_create(cx, &ip, key, 32, claims, claims_len, NULL, 0,
                                            inner, &inner_len) == GKDC_COSE_OK);
    } else {
      ip.alg = GKDC_COSE_ALG_EDDSA;
      CU_ASSERT_FATAL(gkdc_cose_sign1_create(cx, &ip, sign_priv, sizeof(sign_priv), claims,
                                             claims_len, NULL, 0, inner,
                                             &inner_len) == GKDC_COSE_OK);
    }
    if (t->nest == 3) {
      CU_ASSERT_FATAL(inner_len <= cap);
      memcpy(out, inner, inner_len);
      return inner_len;
    }
    params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
    oscore_test_unhex("231f4c4d4d3051fdc2ec0a3851d5b383", key, sizeof(key));
    CU_ASSERT_FATAL(gkdc_cose_encrypt0_create(cx, &params, key, 16, inner, inner_len, NULL, 0,
                                              out, &out_len) == GKDC_COSE_OK);
    return out_len;
  }
  if (t->mac0) {
    kid = 0xa2;
    params.alg = GKDC_COSE_ALG_HMAC_256_256;
    params.tagged = 1;
    oscore_test_unhex("403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388",
                      key, sizeof(key));
    CU_ASSERT_FATAL(gkdc_cose_mac0_create(cx, &params, key, 32, claims, claims_len, NULL, 0,
                                          out, &out_len) == GKDC_COSE_OK);
    return out_len;
  }
  params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  oscore_test_unhex("231f4c4d4d3051fdc2ec0a3851d5b383", key, sizeof(key));
  CU_ASSERT_FATAL(gkdc_cose_encrypt0_create(cx, &params, key, 16, claims, claims_len, NULL, 0,
                                            out, &out_len) == GKDC_COSE_OK);
  return out_len;
}

static int count_row(void *arg, const void *row)
{
  (void)row;
  (*(size_t *)arg)++;
  return 1;
}

static int count_token(void *arg, const struct gkdc_store_token *t)
{
  return count_row(arg, t);
}

static int count_oscctx(void *arg, const struct gkdc_store_oscctx *c)
{
  return count_row(arg, c);
}

/* What a rejected upload must leave alone. */
struct snapshot {
  size_t contexts, tokens, oscctxs;
  int tokens_ended;
};

static void take_snapshot(void *state, struct snapshot *sn)
{
  const struct gkdc_store_ops *ops = store_provider.ops;

  memset(sn, 0, sizeof(*sn));
  sn->contexts = gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts);
  CU_ASSERT(ops->token_list(store_provider.state, count_token, &sn->tokens));
  CU_ASSERT(ops->oscctx_list(store_provider.state, count_oscctx, &sn->oscctxs));
  sn->tokens_ended = tokens_ended;
}

/* Posts `t` with a fresh nonce1; returns the response code. */
static uint8_t post_spec(const struct token_spec *t, size_t truncate, int flip)
{
  static uint8_t nonce_counter;
  uint8_t token[512], nonce1[8] = {0x55};
  struct gkdc_response resp;
  size_t len = make_token_x(t, token, sizeof(token));
  uint8_t code;

  nonce1[7] = ++nonce_counter;
  if (flip)
    token[len - 1] ^= 0x01;
  post_token(token, len - truncate, nonce1, sizeof(nonce1), 0x00, &resp);
  code = resp.code;
  gkdc_response_clear(&resp);
  return code;
}

/* Each rejected token gives its code and changes neither the contexts nor
 * the store nor the KDC. */
static void test_token_rejections(void)
{
  static const uint8_t cti[] = {0x0c, 0x01};
  const struct token_spec good = {"as1", "kdc1", 0, 0, 0, cti, sizeof(cti), 1, 0, 0xa1, 0, NULL};
  struct token_spec t;
  struct snapshot before, after;
  void *state = NULL;

  CU_ASSERT_FATAL(load_store());
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  tokens_ended = 0;

  /* One accepted token, the baseline. */
  t = good;
  t.exp = fake_time + 3600;
  CU_ASSERT_EQUAL_FATAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  take_snapshot(state, &before);
  CU_ASSERT_EQUAL(before.contexts, 1);
  CU_ASSERT_EQUAL(before.tokens, 1);
  CU_ASSERT_EQUAL(before.oscctxs, 1);

#define REJECTED(code_, what)                                                                  \
  do {                                                                                         \
    CU_ASSERT_EQUAL(post_spec(&t, truncate, flip), code_);                                     \
    take_snapshot(state, &after);                                                              \
    CU_ASSERT(memcmp(&before, &after, sizeof(before)) == 0);                                   \
    if (memcmp(&before, &after, sizeof(before)) != 0)                                          \
      fprintf(stderr, "\n  %s changed the state\n", what);                                     \
  } while (0)
  {
    size_t truncate = 0;
    int flip = 0;
    static const uint8_t other_cti[] = {0x0c, 0x02};

    t = good;
    t.exp = fake_time - 1;
    REJECTED(GKDC_CODE(4, 1), "expired");
    t = good;
    t.exp = fake_time + 3600;
    t.nbf = fake_time + 600;
    REJECTED(GKDC_CODE(4, 1), "not yet valid");
    t = good;
    t.exp = fake_time + 3600;
    t.aud = "kdc9";
    REJECTED(GKDC_CODE(4, 3), "wrong audience");
    t = good;
    t.exp = fake_time + 3600;
    t.aud = "kdc8";
    t.aud2 = "kdc9";
    REJECTED(GKDC_CODE(4, 3), "wrong audience in an array");
    t = good;
    t.exp = fake_time + 3600;
    t.iss = "as9";
    REJECTED(GKDC_CODE(4, 1), "wrong issuer");
    t = good;
    t.exp = fake_time + 3600;
    t.cti = other_cti;
    flip = 1;
    REJECTED(GKDC_CODE(4, 1), "bad tag");
    flip = 0;
    t.kid = 0xb9;
    REJECTED(GKDC_CODE(4, 1), "unknown key");
    t.kid = 0xa1;
    truncate = 5;
    REJECTED(GKDC_CODE(4, 0), "truncated COSE");
    truncate = 0;
    t.mac0 = 1;
    REJECTED(GKDC_CODE(4, 1), "bare Mac0 with OSCORE material");
    t.mac0 = 0;
    t.cnf = 0;
    REJECTED(GKDC_CODE(4, 0), "missing cnf");
    /* The baseline's cti in another token (another exp). */
    t = good;
    t.exp = fake_time + 1800;
    REJECTED(GKDC_CODE(4, 1), "a second token reusing a cti");
  }
#undef REJECTED

  /* An audience array that names this RS is accepted. */
  {
    static const uint8_t cti_arr[] = {0x0c, 0x09};

    t = good;
    t.exp = fake_time + 3600;
    t.cti = cti_arr;
    t.aud = "kdc8";
    t.aud2 = "kdc1";
    CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  }

  /* The very same claims again (a repost) are accepted. */
  t = good;
  t.exp = fake_time + 3600;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts), 3);

  desc->fini(state);
  gkdc_config_free();
  unload_store();
}

static const char interop_config[] =
    "plugin_config = { profile-oscore = { audience = \"kdc1\"; issuer = \"as1\";\n"
    "  authz_info_rate = 1; authz_info_burst = 6;\n"
    "  as_keys = ( { kid = \"a1\"; key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; alg = 10;\n"
    "                time_ms = true; lifetime = 120; } );\n"
    "} };\n";

static uint64_t fake_mono;

static uint64_t fake_monotonic_ms(void)
{
  return fake_mono;
}

/* The interop switches of an AS (time in milliseconds, a lifetime for
 * tokens without exp and exi), the Java text form of an exi token's cti,
 * and the rate limit of /authz-info. */
static void test_interop_and_rate(void)
{
  static const uint8_t cti_a[] = {0x0d, 0x01}, cti_b[] = {0x0d, 0x02};
  struct token_spec t = {"as1", "kdc1", 0, 0, 0, cti_a, sizeof(cti_a), 1, 0, 0xa1, 0, NULL};
  const struct gkdc_profile_ops *ops = desc->ops;
  const struct gkdc_authz *authz = NULL;
  struct profile_state *ps;
  struct gkdc_peer peer;
  void *state = NULL;
  int i;

  full_host_init();
  full_host.monotonic_ms = fake_monotonic_ms;
  fake_mono = 1000000;
  CU_ASSERT_FATAL(gkdc_config_load_string(interop_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  ps = state;

  /* exp in milliseconds: an hour ahead is fine, a second ago is expired. */
  t.exp = (fake_time - 1) * 1000;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(4, 1));
  t.exp = (fake_time + 3600) * 1000;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));

  /* Neither exp nor exi: the configured lifetime of 120 s. */
  t.exp = 0;
  t.cti = cti_b;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_ctxset_count(ps->contexts), 2);
  memset(&peer, 0, sizeof(peer));
  peer.size = sizeof(peer);
  peer.transport = GKDC_TRANSPORT_OSCORE;
  peer.identity.ptr = gkdc_oscore_ctxset_get0(ps->contexts, 1)->recipient_id;
  peer.identity.len = gkdc_oscore_ctxset_get0(ps->contexts, 1)->recipient_id_len;
  CU_ASSERT_FATAL(ops->authz_lookup(state, &peer, &authz));
  CU_ASSERT_EQUAL(authz->expires_at, fake_time + 120);

  /* The Java text form of an exi token's cti: the audience and a decimal
   * sequence number ("kdc17"); exi counted in milliseconds. */
  t.cti = (const uint8_t *)"kdc17";
  t.cti_len = 5;
  t.exi = 600000;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  t.cti = (const uint8_t *)"kdc1x";
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(4, 1));

  /* Five uploads so far took five of the six in the bucket; at the same
   * instant the seventh gets 5.03, and one second later there is room. */
  t.cti = (const uint8_t *)"kdc18";
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(5, 3));
  fake_mono += 1000;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  for (i = 0; i < 3; i++)
    post_spec(&t, 0, 0);
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(5, 3));

  /* Another address has its own bucket; another port of the same address
   * has not. */
  {
    struct gkdc_peer other = udp_peer;

    other.address = "127.0.0.2:5683";
    upload_peer = &other;
    CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
    other.address = "127.0.0.1:1";
    CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(5, 3));
    upload_peer = &udp_peer;
  }

  desc->fini(state);
  gkdc_config_free();
  full_host_init();
}

/* Counts the lines of log_text that contain `text`. */
static int log_count(const char *text)
{
  const char *p = log_text;
  int n = 0;

  while ((p = strstr(p, text)) != NULL) {
    n++;
    p += strlen(text);
  }
  return n;
}

/* The info lines of unauthenticated uploads: one a second per reason,
 * and the next line counts the ones left out. */
static void test_authz_log_rate_limited(void)
{
  static const uint8_t nonce1[8] = {9, 9, 9, 9, 9, 9, 9, 9};
  static const uint8_t garbage[] = {0xff, 0x00};
  uint8_t token[512];
  size_t token_len;
  struct gkdc_response resp;
  void *state = NULL;
  int i;

  full_host_init();
  full_host.monotonic_ms = fake_monotonic_ms;
  fake_mono = 5000000;
  CU_ASSERT_FATAL(gkdc_config_load_string(
      "plugin_config = { profile-oscore = { audience = \"kdc1\"; authz_info_rate = 0;\n"
      "  as_keys = ( { kid = \"a1\"; key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; } );\n"
      "} };\n"));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  log_text[0] = '\0';

  /* 20 invalid tokens within one second: one line. */
  for (i = 0; i < 20; i++) {
    post_token(garbage, sizeof(garbage), nonce1, sizeof(nonce1), 0x00, &resp);
    CU_ASSERT_EQUAL(resp.code, GKDC_CODE(4, 0));
    gkdc_response_clear(&resp);
    fake_mono += 10;
  }
  CU_ASSERT_EQUAL(log_count("/authz-info: token rejected"), 1);
  CU_ASSERT_EQUAL(log_count("suppressed"), 0);

  /* Another reason in the same second has its own line. */
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383", token,
                         sizeof(token));
  post_token(token, token_len, nonce1, sizeof(nonce1), 0x00, &resp);
  CU_ASSERT_EQUAL(resp.code, GKDC_CODE(2, 1));
  gkdc_response_clear(&resp);
  CU_ASSERT_EQUAL(log_count("/authz-info: token accepted"), 1);

  /* A second later the next line carries the count of the 19 left out. */
  fake_mono += PROFILE_LOG_INTERVAL_MS;
  post_token(garbage, sizeof(garbage), nonce1, sizeof(nonce1), 0x00, &resp);
  gkdc_response_clear(&resp);
  CU_ASSERT_EQUAL(log_count("/authz-info: token rejected"), 2);
  CU_ASSERT_EQUAL(log_count("(19 similar lines suppressed)"), 1);

  desc->fini(state);
  gkdc_config_free();
}

/* POSTs {1: token} to /authz-info protected with `client`; returns the
 * inner response code, or 0 when no protected answer came. */
static uint8_t post_update(struct gkdc_oscore_ctx *client, uint16_t mid, const uint8_t *token,
                           size_t token_len)
{
  uint8_t payload[600], buf[1024], inner_buf[512];
  struct gkdc_coap_msg post, prot, answer, inner;
  struct gkdc_oscore_request creq;
  struct gkdc_cbor_enc e;
  size_t payload_len = 0;
  uint8_t cf = GKDC_CF_ACE_CBOR;

  gkdc_cbor_enc_init(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, token, token_len);
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &payload_len) == GKDC_CBOR_OK);
  memset(&post, 0, sizeof(post));
  post.type = GKDC_COAP_CON;
  post.code = GKDC_POST;
  post.mid = mid;
  post.token_len = 1;
  post.token[0] = (uint8_t)mid;
  post.options[0] =
      (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"authz-info", 10}};
  post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  post.option_count = 2;
  post.payload.ptr = payload;
  post.payload.len = payload_len;
  if (gkdc_oscore_protect_request(client, &post, 0, &prot, buf, sizeof(buf), &creq) !=
      GKDC_OSCORE_OK)
    return 0;
  reply_wire_len = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  if (reply_wire_len == 0 || !gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer) ||
      gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf, sizeof(inner_buf),
                                     &creq) != GKDC_OSCORE_OK)
    return 0;
  return inner.code;
}

/* Tokens signed by the AS (COSE_Sign1) or MACed, inside a COSE_Encrypt0,
 * and bare ones: only a cnf that names a kid may go without encryption. */
static void test_signed_tokens(void)
{
  static const uint8_t nonce[8] = {9, 9, 9, 9, 9, 9, 9, 9};
  static const uint8_t cti_a[] = {0x0e, 0x01}, cti_b[] = {0x0e, 0x02}, cti_c[] = {0x0e, 0x03},
                       cti_d[] = {0x0e, 0x04}, cti_e[] = {0x0e, 0x05};
  struct token_spec t = {"as1", "kdc1", 0, 0, 0, cti_a, sizeof(cti_a), 1, 0, 0xa1, 1, NULL};
  char config[1024], pub_hex[65];
  uint8_t token[512];
  size_t priv_len = sizeof(sign_priv), pub_len = sizeof(sign_pub), len, i;
  struct gkdc_oscore_ctx *client;
  void *state = NULL;

  CU_ASSERT_FATAL(gkdc_crypto_keygen(cx, GKDC_COSE_CRV_ED25519, sign_priv, &priv_len, sign_pub,
                                     &pub_len) && pub_len == 32);
  for (i = 0; i < 32; i++)
    snprintf(pub_hex + 2 * i, 3, "%02x", sign_pub[i]);
  snprintf(config, sizeof(config),
           "plugin_config = { profile-oscore = { audience = \"kdc1\"; issuer = \"as1\";\n"
           "  as_keys = ( { kid = \"a1\"; key = \"231f4c4d4d3051fdc2ec0a3851d5b383\"; },\n"
           "    { kid = \"a2\"; key = "
           "\"403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388\"; },\n"
           "    { kid = \"a3\"; public_key = \"%s\"; alg = -8; } );\n"
           "} };\n",
           pub_hex);
  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));

  /* Sign1 and Mac0 inside an Encrypt0 are accepted. */
  t.exp = fake_time + 3600;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));
  t.nest = 2;
  t.cti = cti_b;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(2, 1));

  /* A bare Sign1 with OSCORE input material: 4.01, nothing kept. */
  t.nest = 3;
  t.cti = cti_c;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(4, 1));
  CU_ASSERT_EQUAL(gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts), 2);

  /* A bare Sign1 whose cnf only names a kid passes verification, so an
   * unprotected upload of it fails later, on the cnf (4.00); with a byte
   * of its signature flipped it fails verification (4.01). */
  t.cnf = 2;
  t.cti = cti_d;
  CU_ASSERT_EQUAL(post_spec(&t, 0, 0), GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(post_spec(&t, 0, 1), GKDC_CODE(4, 1));

  /* Bare Sign1 and Mac0 whose cnf names the kid of the context that
   * protects the upload: an access-rights update. */
  client = open_context(nonce);
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);
  t.cnf = 2;
  t.nest = 3;
  t.cti = cti_d;
  len = make_token_x(&t, token, sizeof(token));
  CU_ASSERT_EQUAL(post_update(client, 500, token, len), GKDC_CODE(2, 1));
  t.nest = 0;
  t.mac0 = 1;
  t.cti = cti_e;
  len = make_token_x(&t, token, sizeof(token));
  CU_ASSERT_EQUAL(post_update(client, 501, token, len), GKDC_CODE(2, 1));

  gkdc_oscore_ctx_free(client);
  desc->fini(state);
  gkdc_config_free();
}

/* An observation under a context that a repost replaces ends with an
 * unprotected 4.01 once the new context verified a request, and no
 * notification goes out under the old context after that. */
static void test_observe_on_replaced_context(void)
{
  static const uint8_t nonce_a[8] = {7, 7, 7, 7, 1, 1, 1, 1};
  static const uint8_t nonce_b[8] = {7, 7, 7, 7, 2, 2, 2, 2};
  struct gkdc_oscore_ctx *first, *second;
  struct gkdc_oscore_request creq;
  struct gkdc_coap_msg get, prot, answer, inner;
  uint8_t buf[512], inner_buf[512];
  void *state = NULL;

  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  first = open_context(nonce_a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 600;
  get.token_len = 1;
  get.token[0] = 0x60;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_OBSERVE, {NULL, 0}};
  get.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 2;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(first, &get, 0, &prot, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  keeps = releases = notifies = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL_FATAL(keeps, 1);

  /* The repost alone changes nothing for the observation. */
  second = open_context(nonce_b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(second);
  hook_fn(hook_arg, "x");
  CU_ASSERT_EQUAL_FATAL(notifies, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(notify_wire, notify_wire_len, &answer));
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(first, &answer, &inner, inner_buf,
                                                 sizeof(inner_buf), &creq),
                  GKDC_OSCORE_OK);

  /* The new context verifies a request: the old one and its observation
   * end with an unprotected 4.01. */
  CU_ASSERT_EQUAL(client_get(second, 601, &prot, buf, sizeof(buf), &inner, inner_buf,
                             sizeof(inner_buf), NULL),
                  GKDC_OSCORE_OK);
  CU_ASSERT_EQUAL_FATAL(notifies, 2);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(notify_wire, notify_wire_len, &answer));
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&answer), GKDC_OSCORE_RESPONSE_OSCORE_ERROR);
  CU_ASSERT_EQUAL(answer.code, GKDC_CODE(4, 1));
  CU_ASSERT_EQUAL(releases, 1);
  hook_fn(hook_arg, "x");
  CU_ASSERT_EQUAL(notifies, 2);

  gkdc_oscore_ctx_free(first);
  gkdc_oscore_ctx_free(second);
  desc->fini(state);
  gkdc_config_free();
}

/* The server sends a request to its client on the context from
 * /authz-info: protected with the server as sender, served by the
 * plugin's client session, and its protected answer verified. */
static void test_server_requests(void)
{
  const struct gkdc_profile_ops *ops = desc->ops;
  struct gkdc_profile_client_args args;
  gkdc_profile_client *client = NULL;
  gkdc_profile_binding *binding = NULL;
  struct gkdc_response resp;
  struct gkdc_coap_msg kget, kprot, answer, inner;
  uint8_t token[512], cnf[64], ms[16], upload[700], buf[512], inner_buf[512];
  size_t token_len, cnf_len, upload_len = sizeof(upload);
  const struct bound_token *bt;
  struct gkdc_cbor_enc e;
  void *state = NULL;

  CU_ASSERT_FATAL(GKDC_HAS_OP(ops, server_protect_request) &&
                  GKDC_HAS_OP(ops, server_unprotect_response));
  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));

  /* A client session of the same plugin uploads its token. */
  token_len = make_token("kdc1", fake_time + 3600, "231f4c4d4d3051fdc2ec0a3851d5b383", token,
                         sizeof(token));
  gkdc_cbor_enc_init(&e, cnf, sizeof(cnf));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, oscore_test_unhex(master_secret_hex, ms, sizeof(ms)));
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &cnf_len) == GKDC_CBOR_OK);
  memset(&args, 0, sizeof(args));
  args.size = sizeof(args);
  args.access_token.ptr = token;
  args.access_token.len = token_len;
  args.cnf.ptr = cnf;
  args.cnf.len = cnf_len;
  CU_ASSERT_FATAL(ops->client_new(state, &args, &client));
  CU_ASSERT_FATAL(ops->client_authz_info_request(state, client, NULL, 0, 0, upload,
                                                 &upload_len));
  post_upload(upload, upload_len, &resp);
  CU_ASSERT_EQUAL_FATAL(resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(ops->client_authz_info_response(state, client, resp.payload,
                                                  resp.payload_len));
  gkdc_response_clear(&resp);
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_ctxset_count(((struct profile_state *)state)->contexts), 1);
  bt = gkdc_oscore_ctxset_get0(((struct profile_state *)state)->contexts, 0)->user;

  /* The server's GET reaches the client session and comes back. */
  memset(&kget, 0, sizeof(kget));
  kget.type = GKDC_COAP_CON;
  kget.code = GKDC_GET;
  kget.mid = 700;
  kget.token_len = 1;
  kget.token[0] = 0x70;
  kget.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"c", 1}};
  kget.option_count = 1;
  CU_ASSERT_FATAL(ops->server_protect_request(state, &bt->authz, &kget, &kprot, buf,
                                              sizeof(buf), &binding));
  CU_ASSERT_PTR_NOT_NULL(gkdc_oscore_msg_find(&kprot, GKDC_OPT_OSCORE));
  dispatches = 0;
  reply_wire_len = 0;
  intercept_fn(intercept_arg, NULL, &kprot, &udp_peer);
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_EQUAL(gkdc_oscore_response_classify(&answer), GKDC_OSCORE_RESPONSE_PROTECTED);
  CU_ASSERT_FALSE(ops->client_unprotect_response(state, client, binding, &answer, &inner,
                                                 inner_buf, sizeof(inner_buf)));
  CU_ASSERT_FATAL(ops->server_unprotect_response(state, binding, &answer, &inner, inner_buf,
                                                 sizeof(inner_buf)));
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);
  /* The same answer again is no longer bound to a request. */
  CU_ASSERT_FALSE(ops->server_unprotect_response(state, binding, &answer, &inner, inner_buf,
                                                 sizeof(inner_buf)));
  ops->binding_release(state, binding);

  /* An authorization the plugin did not bind, and an expired token. */
  {
    struct gkdc_authz stranger = bt->authz;

    binding = NULL;
    CU_ASSERT_FALSE(ops->server_protect_request(state, &stranger, &kget, &kprot, buf,
                                                sizeof(buf), &binding));
  }
  fake_time += 7200;
  CU_ASSERT_FALSE(ops->server_protect_request(state, &bt->authz, &kget, &kprot, buf,
                                              sizeof(buf), &binding));
  fake_time -= 7200;

  ops->client_free(state, client);
  desc->fini(state);
  gkdc_config_free();
}

/* Feeds `prot` with an outer Block1 option of value `v` (1 to 3 bytes)
 * and the payload slice [off, off + len); returns the reply's code. */
static uint8_t feed_block(const struct gkdc_coap_msg *prot, uint32_t v, size_t off, size_t len,
                          uint16_t mid)
{
  struct gkdc_coap_msg part = *prot;
  uint8_t val[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  size_t vlen = v > 0xffff ? 3 : v > 0xff ? 2 : 1;

  part.mid = mid;
  part.options[part.option_count++] =
      (struct gkdc_coap_option){27, {val + 3 - vlen, vlen}};
  part.payload.ptr = prot->payload.ptr + off;
  part.payload.len = len;
  reply_code = 0;
  intercept_fn(intercept_arg, NULL, &part, &udp_peer);
  return reply_code;
}

/* Outer Block1 (RFC 8613 section 4.1.3.4.2): blocks of a protected
 * request are put together before unprotecting; blocks out of order, of
 * the wrong size or beyond the limit are refused without protection. */
static void test_outer_block1(void)
{
  static const uint8_t nonce1[8] = {6, 6, 6, 6, 6, 6, 6, 6};
  static uint8_t body[70000], buf[71000];
  struct gkdc_oscore_ctx *client;
  struct gkdc_oscore_request creq;
  struct gkdc_coap_msg get, prot, answer, inner;
  uint8_t inner_buf[512];
  void *state = NULL;
  size_t i, n;

  full_host_init();
  CU_ASSERT_FATAL(gkdc_config_load_string(plugin_config));
  plugin_cfg = gkdc_config_plugin_section("profile-oscore");
  CU_ASSERT_FATAL(desc->init(NULL, &full_host, &state));
  client = open_context(nonce1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(client);

  /* A GET with a 3000-byte inner payload, in 47 blocks of 64 bytes. */
  memset(body, 0x5a, 3000);
  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 800;
  get.token_len = 1;
  get.token[0] = 0x80;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 1;
  get.payload.ptr = body;
  get.payload.len = 3000;
  CU_ASSERT_EQUAL_FATAL(gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf),
                                                    &creq),
                        GKDC_OSCORE_OK);
  n = (prot.payload.len + 63) / 64;

  /* Blocks that start nowhere or do not fit. */
  CU_ASSERT_EQUAL(feed_block(&prot, (1 << 4) | 0x08 | 2, 64, 64, 801), GKDC_CODE(4, 8));
  CU_ASSERT_EQUAL(feed_block(&prot, 0x08 | 7, 0, 64, 802), GKDC_CODE(4, 0));
  CU_ASSERT_EQUAL(feed_block(&prot, 0x08 | 2, 0, 60, 803), GKDC_CODE(4, 0));

  /* In order: 2.31 for each block but the last, then the answer. */
  dispatches = 0;
  for (i = 0; i + 1 < n; i++)
    CU_ASSERT_EQUAL(feed_block(&prot, (uint32_t)(i << 4) | 0x08 | 2, i * 64, 64,
                               (uint16_t)(810 + i)),
                    GKDC_CODE(2, 31));
  /* A block out of order in between restarts nothing: 4.08. */
  CU_ASSERT_EQUAL(feed_block(&prot, (uint32_t)((n + 3) << 4) | 0x08 | 2, 0, 64, 805),
                  GKDC_CODE(4, 8));
  feed_block(&prot, (uint32_t)((n - 1) << 4) | 2, (n - 1) * 64, prot.payload.len - (n - 1) * 64,
             (uint16_t)(810 + n));
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_EQUAL(gkdc_oscore_unprotect_response(client, &answer, &inner, inner_buf,
                                                 sizeof(inner_buf), &creq),
                  GKDC_OSCORE_OK);

  /* More than 64 KiB in blocks of 1024 bytes: 4.13 before any
   * decryption, so the blocks may carry anything. */
  memset(body, 0x5b, sizeof(body));
  prot.payload.ptr = body;
  prot.payload.len = sizeof(body);
  for (i = 0; i < 64; i++)
    CU_ASSERT_EQUAL(feed_block(&prot, (uint32_t)(i << 4) | 0x08 | 6, i * 1024, 1024,
                               (uint16_t)(1000 + i)),
                    GKDC_CODE(2, 31));
  CU_ASSERT_EQUAL(feed_block(&prot, (uint32_t)(64 << 4) | 0x08 | 6, 64 * 1024, 1024, 1100),
                  GKDC_CODE(4, 13));

  gkdc_oscore_ctx_free(client);
  desc->fini(state);
  gkdc_config_free();
}

int main(void)
{
  const char *path = TOP_BUILDDIR "/plugins/profile-oscore/.libs/profile-oscore.so";
  gkdc_plugin_entry_fn entry;
  CU_pSuite suite;
  unsigned failures;

  dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    return 1;
  }
  entry = (gkdc_plugin_entry_fn)dlsym(dl, GKDC_PLUGIN_ENTRY_NAME);
  if (entry == NULL) {
    fprintf(stderr, "%s exports no %s\n", path, GKDC_PLUGIN_ENTRY_NAME);
    return 1;
  }
  desc = entry();
  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;

  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  suite = CU_add_suite("profile-oscore", NULL, NULL);
  if (suite == NULL || CU_add_test(suite, "descriptor", test_descriptor) == NULL ||
      CU_add_test(suite, "init needs host hooks", test_init_needs_hooks) == NULL ||
      CU_add_test(suite, "interceptor OSCORE errors", test_interceptor_errors) == NULL ||
      CU_add_test(suite, "authz-info then OSCORE", test_authz_info_then_oscore) == NULL ||
      CU_add_test(suite, "client side", test_client_side) == NULL ||
      CU_add_test(suite, "restart with store", test_restart_with_store) == NULL ||
      CU_add_test(suite, "observe through OSCORE", test_observe_through_oscore) == NULL ||
      CU_add_test(suite, "repost, match and lookup", test_repost_match_lookup) == NULL ||
      CU_add_test(suite, "repost bounds contexts", test_repost_bounds_contexts) == NULL ||
      CU_add_test(suite, "config rejects", test_config_rejects) == NULL ||
      CU_add_test(suite, "exi tokens", test_exi_tokens) == NULL ||
      CU_add_test(suite, "token rejections change nothing", test_token_rejections) == NULL ||
      CU_add_test(suite, "interop switches and rate limit", test_interop_and_rate) == NULL ||
      CU_add_test(suite, "authz-info log rate-limited", test_authz_log_rate_limited) == NULL ||
      CU_add_test(suite, "signed and MACed tokens", test_signed_tokens) == NULL ||
      CU_add_test(suite, "observation on a replaced context",
                  test_observe_on_replaced_context) == NULL ||
      CU_add_test(suite, "requests of the server to its client", test_server_requests) == NULL ||
      CU_add_test(suite, "outer Block1", test_outer_block1) == NULL)
    return 1;

  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  oscore_test_crypto_unload();
  if (getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(dl);
  return failures == 0 ? 0 : 1;
}
