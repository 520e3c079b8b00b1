/*
 * End-to-end test of the as-token plugin with the resource server side of
 * profile-oscore, both loaded from the build tree into one fake host: a
 * client gets a token at /token over a fake DTLS peer, uploads it to
 * /authz-info with the profile's client side, derives the OSCORE context
 * from the AS's cnf, and sends a protected GET. The route handler behind
 * the OSCORE layer must see the token's authorization (scope, cti,
 * audience, expiry). One case uses exp and a kid, the other exi, a salt
 * and an untagged token without kid.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <gkdc/as.h>
#include <gkdc/cbor.h>
#include <gkdc/coapmsg.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/profile.h>

#include "gkdc-test.h"
#include "internal.h"
#include "oscore.h"

#define P_ALG "plugins/alg-boringssl/.libs/alg-boringssl.so"
#define P_AS "plugins/as-token/.libs/as-token.so"
#define P_PROFILE "plugins/profile-oscore/.libs/profile-oscore.so"

#define NOW 1800000000

struct plugin {
  void *dl;
  const struct gkdc_plugin_desc *desc;
  void *state;
  const char *section;
};

static struct plugin alg, as, profile;
static struct gkdc_crypto crypto;
static struct gkdc_provider alg_provider;
static struct gkdc_host_api host;

/* Routes, the interceptor and what the fake host captured. */
#define MAX_ROUTES 4
static struct gkdc_route routes[MAX_ROUTES];
static char route_paths[MAX_ROUTES][32];
static size_t route_count;
static gkdc_intercept_fn intercept_fn;
static void *intercept_arg;
static uint8_t reply_wire[1200];
static size_t reply_wire_len;

/* What the route handler behind the OSCORE layer saw. */
static int dispatches;
static uint8_t seen_scope[128];
static size_t seen_scope_len;
static uint8_t seen_token_id[64];
static size_t seen_token_id_len;
static char seen_audience[32];
static int64_t seen_expires_at;

static void fake_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  if (getenv("GKDC_TEST_VERBOSE") == NULL)
    return;
  fprintf(stderr, "[%d] ", level);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
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

static int fake_log_enabled(int level) { return getenv("GKDC_TEST_VERBOSE") != NULL; }

static const gkdc_cfg *fake_config_get0(gkdc_plugin *self)
{
  return gkdc_config_plugin_section(((struct plugin *)self)->section);
}

static const gkdc_cfg *fake_config_root_get0(void) { return gkdc_config_root(); }

static int fake_route_add(gkdc_plugin *self, const struct gkdc_route *r)
{
  if (route_count == MAX_ROUTES)
    return 0;
  snprintf(route_paths[route_count], sizeof(route_paths[0]), "%s", r->path);
  routes[route_count] = *r;
  routes[route_count].path = route_paths[route_count];
  route_count++;
  return 1;
}

static int fake_route_remove(gkdc_plugin *self, const char *path) { return 1; }

static const struct gkdc_route *find_route(const char *path)
{
  size_t i;

  for (i = 0; i < route_count; i++)
    if (strcmp(routes[i].path, path) == 0)
      return &routes[i];
  return NULL;
}

static int fake_dtls_psk_set(gkdc_plugin *self, gkdc_dtls_psk_fn fn, void *arg) { return 1; }

static int fake_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg)
{
  intercept_fn = fn;
  intercept_arg = arg;
  return 1;
}

static int fake_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg)
{
  /* Keep the whole message: the plugin's buffers are gone after the call. */
  if (!gkdc_oscore_msg_encode(msg, reply_wire, sizeof(reply_wire), &reply_wire_len))
    reply_wire_len = 0;
  return 1;
}

/* The resource behind the OSCORE layer: records the authorization. */
static int fake_dispatch(const struct gkdc_request *req, struct gkdc_response *resp)
{
  const struct gkdc_authz *a = req->peer != NULL ? req->peer->authz : NULL;

  dispatches++;
  seen_scope_len = 0;
  seen_token_id_len = 0;
  if (req->peer == NULL || req->peer->transport != GKDC_TRANSPORT_OSCORE || a == NULL ||
      a->scope.len > sizeof(seen_scope) || a->token_id.len > sizeof(seen_token_id))
    return gkdc_response_set(resp, GKDC_CODE(4, 1), GKDC_CF_NONE, NULL, 0);
  memcpy(seen_scope, a->scope.ptr, a->scope.len);
  seen_scope_len = a->scope.len;
  memcpy(seen_token_id, a->token_id.ptr, a->token_id.len);
  seen_token_id_len = a->token_id.len;
  snprintf(seen_audience, sizeof(seen_audience), "%s", a->audience != NULL ? a->audience : "");
  seen_expires_at = a->expires_at;
  return gkdc_response_set(resp, GKDC_CODE(2, 5), GKDC_CF_NONE, (const uint8_t *)"hi", 2);
}

static const struct gkdc_crypto *fake_crypto_get0(void) { return &crypto; }
static int64_t fake_now(void) { return NOW; }
static uint64_t fake_monotonic_ms(void) { return (uint64_t)NOW * 1000; }

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

/* Starts both plugins with `config`; returns 1 when both start. */
static int start(const char *config)
{
  route_count = 0;
  intercept_fn = NULL;
  if (!gkdc_config_load_string(config)) {
    fprintf(stderr, "test config rejected\n");
    return 0;
  }
  return init(&as) && init(&profile);
}

static void stop(void)
{
  fini(&profile);
  fini(&as);
  gkdc_config_free();
}

/* Calls a route handler with a POST of Content-Format 19. */
static void post(const char *path, const struct gkdc_peer *peer, const uint8_t *payload,
                 size_t len, struct gkdc_response *resp)
{
  const struct gkdc_route *r = find_route(path);
  struct gkdc_bytes seg = {(const uint8_t *)path, strlen(path)};
  struct gkdc_request req;

  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.method = GKDC_POST;
  req.path = &seg;
  req.path_count = 1;
  req.content_format = GKDC_CF_ACE_CBOR;
  req.accept = GKDC_CF_NONE;
  req.payload = payload;
  req.payload_len = len;
  req.observe = GKDC_OBSERVE_NONE;
  req.peer = peer;
  gkdc_response_init(resp);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  CU_ASSERT_EQUAL(r->handler(r->arg, &req, resp), GKDC_HANDLED);
}

/* The value of integer key `key` in the map `buf`, as raw CBOR or bstr. */
static int find(const uint8_t *buf, size_t len, int64_t key, int raw, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  if (gkdc_cbor_dec_init(&d, buf, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, key, &v))
    return 0;
  return raw ? gkdc_cbor_dec_get_raw(&v, out) : gkdc_cbor_dec_get_bstr(&v, out);
}

static const struct gkdc_peer udp_peer = {
    .size = sizeof(struct gkdc_peer),
    .transport = GKDC_TRANSPORT_UDP,
    .address = "127.0.0.1:5683",
};

/* The AS and the RS share these keys. */
#define KEY1 "000102030405060708090a0b0c0d0e0f"
#define KEY3 "b1b2b3b4b5b6b7b8b9babbbcbdbebfc0"

static const char *as_section =
    "  as-token = {\n"
    "    issuer = \"test-as\";\n"
    "    audiences = (\n"
    "      { name = \"kdc1\"; key = \"" KEY1 "\"; kid = \"6b31\"; },\n"
    "      { name = \"kdc3\"; key = \"" KEY3 "\"; expiry = \"exi\"; lifetime = 100;\n"
    "        cose_tag = false; salt_len = 8; }\n"
    "    );\n"
    "    clients = ( { id = \"client1\"; psk = \"6331\"; audiences = [ \"kdc1\", \"kdc3\" ];\n"
    "                  scope = ( { group = \"g1\"; roles = [ \"requester\", \"responder\" ]; } ); } );\n"
    "  };\n";

/*
 * Runs the whole flow against an RS configured with `rs_section` for
 * audience `audience`, and checks what the resource saw.
 */
static void run_flow(const char *rs_section, const char *audience, int64_t expires_at)
{
  const struct gkdc_profile_ops *ops = profile.desc->ops;
  static const uint8_t aif[] = {0x81, 0x82, 0x62, 'g', '1', 0x06};
  struct gkdc_peer dtls_peer;
  struct gkdc_profile_client_args args;
  gkdc_profile_client *client = NULL;
  gkdc_profile_binding *binding = NULL;
  struct gkdc_response token_resp, authz_resp;
  struct gkdc_coap_msg get, prot, answer, inner;
  struct gkdc_bytes at, cnf;
  struct gkdc_cbor_enc e;
  uint8_t req[64], upload[1024], buf[512], inner_buf[512];
  size_t req_len = 0, upload_len = sizeof(upload);
  char config[4096];
  uint64_t expires_in = 0;

  snprintf(config, sizeof(config), "plugin_config = {\n%s%s};\n", as_section, rs_section);
  CU_ASSERT_FATAL(start(config));
  CU_ASSERT_PTR_NOT_NULL_FATAL(intercept_fn);

  /* 1. The token, from the AS over a fake DTLS peer. */
  gkdc_cbor_enc_init(&e, req, sizeof(req));
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_AUDIENCE);
  gkdc_cbor_enc_put_tstr_z(&e, audience);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, aif, sizeof(aif));
  CU_ASSERT_FATAL(gkdc_cbor_enc_finish(&e, &req_len) == GKDC_CBOR_OK);
  memset(&dtls_peer, 0, sizeof(dtls_peer));
  dtls_peer.size = sizeof(dtls_peer);
  dtls_peer.transport = GKDC_TRANSPORT_DTLS;
  dtls_peer.address = "127.0.0.1:40000";
  dtls_peer.identity.ptr = (const uint8_t *)"client1";
  dtls_peer.identity.len = 7;
  post("token", &dtls_peer, req, req_len, &token_resp);
  CU_ASSERT_EQUAL_FATAL(token_resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(find(token_resp.payload, token_resp.payload_len, GKDC_OAUTH_ACCESS_TOKEN, 0,
                       &at));
  CU_ASSERT_FATAL(find(token_resp.payload, token_resp.payload_len, GKDC_OAUTH_CNF, 1, &cnf));
  {
    struct gkdc_cbor_dec d, v;

    CU_ASSERT(gkdc_cbor_dec_init(&d, token_resp.payload, token_resp.payload_len, NULL) ==
                  GKDC_CBOR_OK &&
              gkdc_cbor_dec_enter_map(&d, NULL) &&
              gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_EXPIRES_IN, &v) &&
              gkdc_cbor_dec_get_uint(&v, &expires_in));
  }

  /* 2. The upload to /authz-info with the profile's client side. */
  memset(&args, 0, sizeof(args));
  args.size = sizeof(args);
  args.access_token = at;
  args.cnf = cnf;
  args.expires_in = (int64_t)expires_in;
  CU_ASSERT_FATAL(ops->client_new(profile.state, &args, &client));
  CU_ASSERT_FATAL(ops->client_authz_info_request(profile.state, client, NULL, 0, 0, upload,
                                                 &upload_len));
  post("authz-info", &udp_peer, upload, upload_len, &authz_resp);
  CU_ASSERT_EQUAL_FATAL(authz_resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(ops->client_authz_info_response(profile.state, client, authz_resp.payload,
                                                  authz_resp.payload_len));

  /* 3. A protected GET: the contexts of both sides must match. */
  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 7;
  get.token_len = 1;
  get.token[0] = 0x42;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 1;
  CU_ASSERT_FATAL(ops->client_protect_request(profile.state, client, &get, &prot, buf,
                                              sizeof(buf), &binding));
  dispatches = 0;
  reply_wire_len = 0;
  intercept_fn(intercept_arg, NULL, &prot, &udp_peer);
  CU_ASSERT_EQUAL(dispatches, 1);
  CU_ASSERT_FATAL(reply_wire_len > 0);
  CU_ASSERT_FATAL(gkdc_oscore_msg_decode(reply_wire, reply_wire_len, &answer));
  CU_ASSERT_FATAL(ops->client_unprotect_response(profile.state, client, binding, &answer,
                                                 &inner, inner_buf, sizeof(inner_buf)));
  CU_ASSERT_EQUAL(inner.code, GKDC_CODE(2, 5));
  CU_ASSERT(inner.payload.len == 2 && memcmp(inner.payload.ptr, "hi", 2) == 0);

  /* 4. The authorization the resource saw is the token's. */
  CU_ASSERT_EQUAL(seen_scope_len, 1 + sizeof(aif));
  CU_ASSERT(seen_scope[0] == (0x40 | sizeof(aif)) &&
            memcmp(seen_scope + 1, aif, sizeof(aif)) == 0);
  CU_ASSERT(seen_token_id_len >= 8); /* the cti */
  CU_ASSERT_STRING_EQUAL(seen_audience, audience);
  CU_ASSERT_EQUAL(seen_expires_at, expires_at);

  ops->binding_release(profile.state, binding);
  ops->client_free(profile.state, client);
  gkdc_response_clear(&token_resp);
  gkdc_response_clear(&authz_resp);
  stop();
}

static void test_exp_and_kid(void)
{
  run_flow("  profile-oscore = { audience = \"kdc1\"; issuer = \"test-as\";\n"
           "    as_keys = ( { key = \"" KEY1 "\"; kid = \"6b31\"; alg = 10; } ); };\n",
           "kdc1", NOW + 3600);
}

static void test_exi_salt_untagged(void)
{
  run_flow("  profile-oscore = { audience = \"kdc3\"; issuer = \"test-as\";\n"
           "    as_keys = ( { key = \"" KEY3 "\"; alg = 10; } ); };\n",
           "kdc3", NOW + 100);
}

/* An RS with another key rejects the AS's token with 4.01. */
static void test_wrong_rs_key(void)
{
  const struct gkdc_profile_ops *ops = profile.desc->ops;
  struct gkdc_profile_client_args args;
  gkdc_profile_client *client = NULL;
  struct gkdc_response token_resp, authz_resp;
  struct gkdc_peer dtls_peer;
  struct gkdc_bytes at, cnf;
  uint8_t upload[1024];
  size_t upload_len = sizeof(upload);
  char config[4096];

  snprintf(config, sizeof(config),
           "plugin_config = {\n%s  profile-oscore = { audience = \"kdc1\";\n"
           "    as_keys = ( { key = \"" KEY3 "\"; kid = \"6b31\"; alg = 10; } ); };\n};\n",
           as_section);
  CU_ASSERT_FATAL(start(config));
  memset(&dtls_peer, 0, sizeof(dtls_peer));
  dtls_peer.size = sizeof(dtls_peer);
  dtls_peer.transport = GKDC_TRANSPORT_DTLS;
  dtls_peer.address = "127.0.0.1:40000";
  dtls_peer.identity.ptr = (const uint8_t *)"client1";
  dtls_peer.identity.len = 7;
  post("token", &dtls_peer, (const uint8_t *)"\xa0", 1, &token_resp);
  CU_ASSERT_EQUAL_FATAL(token_resp.code, GKDC_CODE(2, 1));
  CU_ASSERT_FATAL(find(token_resp.payload, token_resp.payload_len, GKDC_OAUTH_ACCESS_TOKEN, 0,
                       &at));
  CU_ASSERT_FATAL(find(token_resp.payload, token_resp.payload_len, GKDC_OAUTH_CNF, 1, &cnf));
  memset(&args, 0, sizeof(args));
  args.size = sizeof(args);
  args.access_token = at;
  args.cnf = cnf;
  CU_ASSERT_FATAL(ops->client_new(profile.state, &args, &client));
  CU_ASSERT_FATAL(ops->client_authz_info_request(profile.state, client, NULL, 0, 0, upload,
                                                 &upload_len));
  post("authz-info", &udp_peer, upload, upload_len, &authz_resp);
  CU_ASSERT_EQUAL(authz_resp.code, GKDC_CODE(4, 1));
  ops->client_free(profile.state, client);
  gkdc_response_clear(&token_resp);
  gkdc_response_clear(&authz_resp);
  stop();
}

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
  host.crypto_get0 = fake_crypto_get0;
  host.now = fake_now;
  host.monotonic_ms = fake_monotonic_ms;
  host.dtls_psk_set = fake_dtls_psk_set;
  host.intercept_add = fake_intercept_add;
  host.exchange_reply = fake_exchange_reply;
  host.dispatch = fake_dispatch;

  if (!load(P_ALG, GKDC_PLUGIN_ALG, "alg-boringssl", &alg) || !init(&alg))
    return 0;
  alg_provider.ops = alg.desc->ops;
  alg_provider.state = alg.state;
  alg_provider.plugin_name = alg.desc->name;
  gkdc_crypto_init_single(&crypto, &alg_provider);
  return load(P_AS, GKDC_PLUGIN_AS, "as-token", &as) &&
         load(P_PROFILE, GKDC_PLUGIN_PROFILE, "profile-oscore", &profile);
}

int main(void)
{
  CU_pSuite s;
  int status;

  gkdc_test_require_dtls();
  if (!setup()) {
    unload(&profile);
    unload(&as);
    unload(&alg);
    return 1;
  }
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 1;
  s = CU_add_suite("as-token with profile-oscore", NULL, NULL);
  if (s == NULL || !CU_add_test(s, "exp and kid", test_exp_and_kid) ||
      !CU_add_test(s, "exi, salt, untagged", test_exi_salt_untagged) ||
      !CU_add_test(s, "RS with another key", test_wrong_rs_key))
    return 1;

  status = gkdc_test_run();
  unload(&profile);
  unload(&as);
  unload(&alg);
  return status;
}
