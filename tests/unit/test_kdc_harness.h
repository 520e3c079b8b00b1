/*
 * Harness of the kdc-groupcomm tests: a host API table over the real
 * plugins of the build tree (alg-boringssl, store-sqlite on a temporary
 * file, credfmt-ccs, pop-sign, appprofile-group-oscore and kdc-groupcomm),
 * a route table to call the KDC's handlers directly, fake peers with an
 * authorization, and helpers that build requests and read responses.
 *
 * Header-only: the test program includes it once.
 */
#ifndef GKDC_TEST_KDC_HARNESS_H
#define GKDC_TEST_KDC_HARNESS_H

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/kdc.h>
#include <gkdc/plugin.h>
#include <gkdc/pop.h>
#include <gkdc/store.h>

#include "gkdc-test.h"
#include "internal.h"

#define H_ALG "plugins/alg-boringssl/.libs/alg-boringssl.so"
#define H_STORE "plugins/store-sqlite/.libs/store-sqlite.so"
#define H_CCS "plugins/credfmt-ccs/.libs/credfmt-ccs.so"
#define H_SIGN "plugins/pop-sign/.libs/pop-sign.so"
#define H_AP "plugins/appprofile-group-oscore/.libs/appprofile-group-oscore.so"
#define H_KDC "plugins/kdc-groupcomm/.libs/kdc-groupcomm.so"

/* One loaded plugin; its address is the gkdc_plugin handle it gets. */
struct h_plugin {
  void *dl;
  const struct gkdc_plugin_desc *desc;
  void *state;
  const char *section; /* plugin_config section name */
};

static struct h_plugin h_alg, h_store, h_ccs, h_sign, h_ap, h_kdc;
static struct gkdc_crypto h_crypto;
static struct gkdc_provider h_alg_prov;
static struct gkdc_host_api h_host;
static int64_t h_now_value = 1800000000;
static char h_dir[256];
static int h_errors_logged;
static char h_last_error[512];
/* Every error since the last h_start, one a line (cut when full). */
static char h_all_errors[4096];
static int h_notifies;
static char h_last_notify[256];

/* Routes the KDC added. */
#define H_MAX_ROUTES 64
static struct {
  char path[256];
  uint32_t flags;
  gkdc_handler_fn handler;
  void *arg;
  int used;
} h_routes[H_MAX_ROUTES];

static void h_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap)
{
  char msg[512];

  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (level <= GKDC_LOG_ERR) {
    size_t used = strlen(h_all_errors);

    h_errors_logged++;
    snprintf(h_last_error, sizeof(h_last_error), "%s", msg);
    snprintf(h_all_errors + used, sizeof(h_all_errors) - used, "%s\n", msg);
  }
  if (getenv("GKDC_TEST_VERBOSE") != NULL)
    fprintf(stderr, "[%s %d] %s\n",
            self != NULL ? ((struct h_plugin *)self)->desc->name : "?", level, msg);
}

static void h_log(gkdc_plugin *self, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_log(gkdc_plugin *self, int level, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  h_vlog(self, level, fmt, ap);
  va_end(ap);
}

static int h_log_enabled(int level) { return level <= GKDC_LOG_ERR; }

static const gkdc_cfg *h_config_get0(gkdc_plugin *self)
{
  return gkdc_config_plugin_section(((struct h_plugin *)self)->section);
}

static const gkdc_cfg *h_config_root_get0(void) { return gkdc_config_root(); }

static int h_route_add(gkdc_plugin *self, const struct gkdc_route *r)
{
  size_t i;

  for (i = 0; i < H_MAX_ROUTES; i++)
    if (h_routes[i].used && strcmp(h_routes[i].path, r->path) == 0)
      return 0;
  for (i = 0; i < H_MAX_ROUTES; i++) {
    if (!h_routes[i].used) {
      snprintf(h_routes[i].path, sizeof(h_routes[i].path), "%s", r->path);
      h_routes[i].flags = r->flags;
      h_routes[i].handler = r->handler;
      h_routes[i].arg = r->arg;
      h_routes[i].used = 1;
      return 1;
    }
  }
  return 0;
}

static int h_route_remove(gkdc_plugin *self, const char *path)
{
  size_t i;

  for (i = 0; i < H_MAX_ROUTES; i++)
    if (h_routes[i].used && strcmp(h_routes[i].path, path) == 0) {
      h_routes[i].used = 0;
      return 1;
    }
  return 0;
}

/* An observer: when set, the first notification after h_observed_code
 * was reset to 0 runs a GET for it on the notified path, as the host
 * does, and keeps the code and error id. */
struct h_client;
static struct h_client *h_observer;
/* The Observe option of the next h_call(); it resets to none. */
static int32_t h_next_observe = GKDC_OBSERVE_NONE;
static uint8_t h_observed_code;
static int h_observed_error;
static uint8_t h_observed_payload[4096];
static size_t h_observed_len;
static int h_call(struct h_client *cl, uint32_t method, const char *path,
                  int32_t cf, const uint8_t *payload, size_t len,
                  struct gkdc_response *resp);
static int h_error_id(const struct gkdc_response *r);

static void h_notify(gkdc_plugin *self, const char *path)
{
  h_notifies++;
  snprintf(h_last_notify, sizeof(h_last_notify), "%s", path);
  if (h_observer != NULL && h_observed_code == 0) {
    struct gkdc_response r;

    h_next_observe = GKDC_OBSERVE_REGISTER;
    h_call(h_observer, GKDC_GET, path, GKDC_CF_NONE, NULL, 0, &r);
    h_observed_code = r.code;
    h_observed_error = h_error_id(&r);
    h_observed_len = r.payload_len <= sizeof(h_observed_payload) ? r.payload_len : 0;
    if (h_observed_len > 0)
      memcpy(h_observed_payload, r.payload, h_observed_len);
    gkdc_response_clear(&r);
  }
}

/* The one repeating timer a plugin may add; the tests fire it by hand. */
static gkdc_timer_fn h_timer_fn;
static void *h_timer_arg;
static uint64_t h_timer_delay;

static uint64_t h_timer_add(gkdc_plugin *self, uint64_t delay_ms, int repeat,
                            gkdc_timer_fn fn, void *arg)
{
  (void)self;
  (void)repeat;
  h_timer_fn = fn;
  h_timer_arg = arg;
  h_timer_delay = delay_ms;
  return 1;
}

static void h_timer_cancel(uint64_t id)
{
  (void)id;
  h_timer_fn = NULL;
  h_timer_arg = NULL;
}

static int h_find_alg(int32_t alg, struct gkdc_provider *out)
{
  if (gkdc_crypto_alg_info_get0(&h_crypto, alg) == NULL)
    return 0;
  *out = h_alg_prov;
  return 1;
}

static int h_find_hkdf(int32_t alg, struct gkdc_provider *out)
{
  *out = h_alg_prov;
  return 1;
}

static int h_provider(struct h_plugin *p, struct gkdc_provider *out)
{
  if (p->desc == NULL || p->state == NULL)
    return 0;
  out->ops = p->desc->ops;
  out->state = p->state;
  out->plugin_name = p->desc->name;
  return 1;
}

static int h_find_credfmt(int64_t label, struct gkdc_provider *out)
{
  if (label != GKDC_COSE_HDR_KCCS)
    return 0;
  return h_provider(&h_ccs, out);
}

static int h_find_pop(const char *name, struct gkdc_provider *out)
{
  if (name == NULL || strcmp(name, GKDC_POP_SIGN) != 0)
    return 0;
  return h_provider(&h_sign, out);
}

static int h_get_store(struct gkdc_provider *out) { return h_provider(&h_store, out); }
static int h_get_ap(struct gkdc_provider *out) { return h_provider(&h_ap, out); }
static int h_get_kdc(struct gkdc_provider *out) { return h_provider(&h_kdc, out); }
static const struct gkdc_crypto *h_crypto_get0(void) { return &h_crypto; }
static int64_t h_now(void) { return h_now_value; }
static uint64_t h_monotonic(void) { return (uint64_t)h_now_value * 1000; }
static const char *h_state_dir(void) { return h_dir; }

static int h_load(const char *rel, uint32_t kind, const char *section,
                  struct h_plugin *p)
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
    fprintf(stderr, "%s: bad plugin\n", path);
    return 0;
  }
  return 1;
}

/* Calls a loaded plugin's init; 1 on success. */
static int h_init(struct h_plugin *p)
{
  p->state = NULL;
  if (!p->desc->init((gkdc_plugin *)p, &h_host, &p->state)) {
    p->state = NULL;
    return 0;
  }
  return 1;
}

static void h_fini(struct h_plugin *p)
{
  if (p->desc != NULL && p->state != NULL)
    p->desc->fini(p->state);
  p->state = NULL;
}

static void h_unload(struct h_plugin *p)
{
  h_fini(p);
  if (p->dl != NULL && getenv("GKDC_NO_DLCLOSE") == NULL)
    dlclose(p->dl);
  memset(p, 0, sizeof(*p));
}

/* 1 when the appprofile plugin was built. */
static int h_have_appprofile(void)
{
  char path[1024];

  snprintf(path, sizeof(path), "%s/%s", TOP_BUILDDIR, H_AP);
  return access(path, R_OK) == 0;
}

/*
 * Sets up the host API and loads every plugin but initializes none except
 * alg-boringssl. Returns 1, or 0 after printing why.
 */
static int h_setup(void)
{
  memset(&h_host, 0, sizeof(h_host));
  h_host.size = sizeof(h_host);
  h_host.abi_minor = GKDC_ABI_MINOR;
  h_host.log = h_log;
  h_host.vlog = h_vlog;
  h_host.log_enabled = h_log_enabled;
  h_host.config_get0 = h_config_get0;
  h_host.config_root_get0 = h_config_root_get0;
  h_host.route_add = h_route_add;
  h_host.route_remove = h_route_remove;
  h_host.notify = h_notify;
  h_host.timer_add = h_timer_add;
  h_host.timer_cancel = h_timer_cancel;
  h_host.find_alg = h_find_alg;
  h_host.find_hkdf = h_find_hkdf;
  h_host.find_credfmt = h_find_credfmt;
  h_host.find_pop = h_find_pop;
  h_host.get_kdc = h_get_kdc;
  h_host.get_appprofile = h_get_ap;
  h_host.get_store = h_get_store;
  h_host.crypto_get0 = h_crypto_get0;
  h_host.now = h_now;
  h_host.monotonic_ms = h_monotonic;
  h_host.state_dir = h_state_dir;

  snprintf(h_dir, sizeof(h_dir), "%s/gkdc-kdc-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(h_dir) == NULL)
    return 0;

  if (!h_load(H_ALG, GKDC_PLUGIN_ALG, "alg-boringssl", &h_alg) || !h_init(&h_alg))
    return 0;
  h_alg_prov.ops = h_alg.desc->ops;
  h_alg_prov.state = h_alg.state;
  h_alg_prov.plugin_name = h_alg.desc->name;
  gkdc_crypto_init_single(&h_crypto, &h_alg_prov);

  return h_load(H_STORE, GKDC_PLUGIN_STORE, "store-sqlite", &h_store) &&
         h_load(H_CCS, GKDC_PLUGIN_CREDFMT, "credfmt-ccs", &h_ccs) &&
         h_load(H_SIGN, GKDC_PLUGIN_POP, "pop-sign", &h_sign) &&
         h_load(H_AP, GKDC_PLUGIN_APPPROFILE, "appprofile-group-oscore", &h_ap) &&
         h_load(H_KDC, GKDC_PLUGIN_KDC, "kdc-groupcomm", &h_kdc);
}

/* Initializes the stack in the host's order with config `text`; the KDC
 * last. Returns the KDC's init result (the others must succeed). */
static int h_start(const char *text)
{
  memset(h_routes, 0, sizeof(h_routes));
  h_errors_logged = 0;
  h_last_error[0] = '\0';
  h_all_errors[0] = '\0';
  if (!gkdc_config_load_string(text)) {
    fprintf(stderr, "test config rejected\n");
    return 0;
  }
  if (!h_init(&h_store) || !h_init(&h_ccs) || !h_init(&h_sign) || !h_init(&h_ap)) {
    fprintf(stderr, "a plugin failed to start: %s\n", h_last_error);
    return 0;
  }
  return h_init(&h_kdc);
}

static void h_stop(void)
{
  h_fini(&h_kdc);
  h_fini(&h_ap);
  h_fini(&h_sign);
  h_fini(&h_ccs);
  h_fini(&h_store);
}

static void h_teardown(void)
{
  char cmd[400];

  h_unload(&h_kdc);
  h_unload(&h_ap);
  h_unload(&h_sign);
  h_unload(&h_ccs);
  h_unload(&h_store);
  h_unload(&h_alg);
  gkdc_config_free();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", h_dir);
}

static const struct gkdc_store_ops *h_store_ops(void) { return h_store.desc->ops; }
static const struct gkdc_kdc_ops *h_kdc_ops(void) { return h_kdc.desc->ops; }

/* ---- requests ---- */

/* A fake client: its token, key pair and credential. */
struct h_client {
  uint8_t token_id[16];
  size_t token_id_len;
  uint8_t scope[128]; /* the token's scope claim, encoded */
  size_t scope_len;
  struct gkdc_authz authz;
  struct gkdc_peer peer;
  uint8_t priv[32];
  uint8_t pub[32];
  uint8_t cred[128];
  size_t cred_len;
  uint8_t n_s[64];
  size_t n_s_len;
};

/* A response and a decoder over its payload. */
struct h_resp {
  struct gkdc_response r;
};

/* Splits "a/b/c" into path segments and calls the matching route. */

static int h_call(struct h_client *cl, uint32_t method, const char *path,
                  int32_t cf, const uint8_t *payload, size_t len,
                  struct gkdc_response *resp)
{
  struct gkdc_bytes segs[16];
  size_t n = 0;
  const char *p = path;
  struct gkdc_request req;
  size_t i, best = H_MAX_ROUTES;
  size_t best_len = 0;

  while (*p != '\0' && n < 16) {
    size_t l = strcspn(p, "/");

    segs[n].ptr = (const uint8_t *)p;
    segs[n].len = l;
    n++;
    p += l;
    if (*p == '/')
      p++;
  }
  for (i = 0; i < H_MAX_ROUTES; i++) {
    size_t l = strlen(h_routes[i].path);

    if (!h_routes[i].used)
      continue;
    if (strcmp(h_routes[i].path, path) == 0 ||
        ((h_routes[i].flags & GKDC_ROUTE_PREFIX) && strncmp(path, h_routes[i].path, l) == 0 &&
         path[l] == '/')) {
      if (l >= best_len) {
        best = i;
        best_len = l;
      }
    }
  }
  gkdc_response_init(resp);
  if (best == H_MAX_ROUTES) {
    resp->code = GKDC_CODE(4, 4);
    return 0;
  }
  memset(&req, 0, sizeof(req));
  req.size = sizeof(req);
  req.method = method;
  req.path = segs;
  req.path_count = n;
  req.content_format = cf;
  req.accept = GKDC_CF_NONE;
  req.payload = payload;
  req.payload_len = len;
  req.observe = h_next_observe;
  h_next_observe = GKDC_OBSERVE_NONE;
  req.peer = cl != NULL ? &cl->peer : NULL;
  return h_routes[best].handler(h_routes[best].arg, &req, resp);
}

/* The ACE Groupcomm error id in a problem details body, or -1. */
static int h_error_id(const struct gkdc_response *r)
{
  struct gkdc_cbor_dec d, v;
  int64_t id = -1;

  if (r->content_format != GKDC_CF_CONCISE_PROBLEM ||
      gkdc_cbor_dec_init(&d, r->payload, r->payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, 0, &v) ||
      !gkdc_cbor_dec_enter_map(&v, NULL))
    return -1;
  {
    struct gkdc_cbor_dec w;

    if (!gkdc_cbor_dec_map_find_int(&v, 0, &w) || !gkdc_cbor_dec_get_int(&w, &id))
      return -1;
  }
  return (int)id;
}

/* Finds integer key `key` in the response map; 1 with *v set on it. */
static int h_find(const struct gkdc_response *r, struct gkdc_cbor_dec *d,
                  int64_t key, struct gkdc_cbor_dec *v)
{
  if (gkdc_cbor_dec_init(d, r->payload, r->payload_len, NULL) != GKDC_CBOR_OK ||
      gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP || !gkdc_cbor_dec_enter_map(d, NULL))
    return 0;
  return gkdc_cbor_dec_map_find_int(d, key, v);
}

/* The byte string at `key`; 1 when present. */
static int h_get_bstr(const struct gkdc_response *r, int64_t key, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  return h_find(r, &d, key, &v) && gkdc_cbor_dec_get_bstr(&v, out);
}

static int h_get_uint(const struct gkdc_response *r, int64_t key, uint64_t *out)
{
  struct gkdc_cbor_dec d, v;

  return h_find(r, &d, key, &v) && gkdc_cbor_dec_get_uint(&v, out);
}

#endif /* GKDC_TEST_KDC_HARNESS_H */
