/*
 * The host API table handed to every plugin's init.
 *
 * Most entries forward to the part of the host that implements them: the
 * registry, the config, the router, timers and the CoAP glue.
 */
#include <config.h>

#include <stdarg.h>
#include <time.h>

#include <gkdc/crypto.h>

#include "internal.h"

/* The component name of a plugin's log lines. */
static const char *plugin_label(const gkdc_plugin *self) {
  if (self == NULL || self->desc == NULL || self->desc->name == NULL)
    return "plugin";
  return self->desc->name;
}

static void api_vlog(gkdc_plugin *self, int level, const char *fmt, va_list ap) {
  gkdc_vlog(level, plugin_label(self), fmt, ap);
}

static void __attribute__((format(printf, 3, 4)))
api_log(gkdc_plugin *self, int level, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  gkdc_vlog(level, plugin_label(self), fmt, ap);
  va_end(ap);
}

static const gkdc_cfg *api_config_get0(gkdc_plugin *self) {
  return self != NULL ? self->cfg : NULL;
}

static int api_get_kdc(struct gkdc_provider *out) {
  return gkdc_registry_get_single(GKDC_PLUGIN_KDC, out);
}

static int api_get_appprofile(struct gkdc_provider *out) {
  return gkdc_registry_get_single(GKDC_PLUGIN_APPPROFILE, out);
}

static int api_get_store(struct gkdc_provider *out) {
  return gkdc_registry_get_single(GKDC_PLUGIN_STORE, out);
}

static int api_get_as(struct gkdc_provider *out) {
  return gkdc_registry_get_single(GKDC_PLUGIN_AS, out);
}

/* ---- the crypto adapter over the registry ---- */

static int crypto_find_alg(void *arg, int32_t cose_alg, struct gkdc_provider *out) {
  return gkdc_registry_find_alg(cose_alg, out);
}

static int crypto_find_hkdf(void *arg, int32_t cose_hash_alg,
                            struct gkdc_provider *out) {
  return gkdc_registry_find_hkdf(cose_hash_alg, out);
}

static const struct gkdc_crypto host_crypto = {
    .size = sizeof(struct gkdc_crypto),
    .arg = NULL,
    .find_alg = crypto_find_alg,
    .find_hkdf = crypto_find_hkdf,
};

static const struct gkdc_crypto *api_crypto_get0(void) { return &host_crypto; }

/* ---- clocks ---- */

static int64_t api_now(void) { return (int64_t)time(NULL); }

static uint64_t api_monotonic_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const struct gkdc_host_api host_api = {
    .size = sizeof(struct gkdc_host_api),
    .abi_minor = GKDC_ABI_MINOR,

    .log = api_log,
    .vlog = api_vlog,
    .log_enabled = gkdc_log_enabled,

    .config_get0 = api_config_get0,
    .config_root_get0 = gkdc_config_root,

    .route_add = gkdc_router_add,
    .route_remove = gkdc_router_remove,
    .defer = gkdc_coap_defer,
    .respond = gkdc_coap_respond,
    .notify = gkdc_coap_notify,
    .timer_add = gkdc_timer_add,
    .timer_cancel = gkdc_timer_cancel,

    .find_alg = gkdc_registry_find_alg,
    .find_hkdf = gkdc_registry_find_hkdf,
    .find_credfmt = gkdc_registry_find_credfmt,
    .find_pop = gkdc_registry_find_pop,
    .find_profile = gkdc_registry_find_profile,
    .get_kdc = api_get_kdc,
    .get_appprofile = api_get_appprofile,
    .get_store = api_get_store,
    .get_as = api_get_as,

    .crypto_get0 = api_crypto_get0,
    .now = api_now,
    .monotonic_ms = api_monotonic_ms,
    .state_dir = gkdc_config_state_dir,
    .intercept_add = gkdc_coap_intercept_add,
    .exchange_reply = gkdc_coap_exchange_reply,
    .dispatch = gkdc_coap_dispatch_inner,
    .dtls_psk_set = gkdc_coap_dtls_psk_set,
    .dtls_rpk_set = gkdc_coap_dtls_rpk_set,
    .exchange_keep = gkdc_coap_exchange_keep,
    .exchange_notify = gkdc_coap_exchange_notify,
    .exchange_release = gkdc_coap_exchange_release,
    .notify_hook_add = gkdc_coap_notify_hook_add,
};

const struct gkdc_host_api *gkdc_host_api(void) { return &host_api; }
