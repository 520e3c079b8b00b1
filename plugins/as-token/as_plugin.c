/*
 * as-token: a small ACE Authorization Server (RFC 9200) for self-contained
 * runs and tests. It serves POST /token for the clients of its config,
 * which authenticate with DTLS and a pre-shared key (the PSK identity
 * picks the client), and issues CWT access tokens for the OSCORE profile
 * (RFC 9203) in a COSE_Encrypt0 under the key shared with the audience.
 *
 * The plugin installs the host's DTLS PSK lookup, so no other plugin of
 * the same host can provide PSKs. A gkdc built --without-dtls cannot run
 * it: init fails with a message that says so.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/as.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#include "as_internal.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0"
#endif

void as_log(const struct as_state *st, int level, const char *fmt, ...)
{
  va_list ap;

  if (st == NULL || !GKDC_HAS_OP(st->host, vlog))
    return;
  va_start(ap, fmt);
  st->host->vlog(st->self, level, fmt, ap);
  va_end(ap);
}

/* The DTLS PSK lookup (gkdc_dtls_psk_fn): the key of the client whose
 * identity the peer presented. */
static int lookup_psk(void *arg, const struct gkdc_bytes *identity,
                      const char *peer_address, uint8_t *key, size_t cap, size_t *key_len)
{
  const struct as_state *st = arg;
  const struct as_client *c = as_client_by_identity(st, identity->ptr, identity->len);

  if (c == NULL || c->psk_len > cap) {
    as_log(st, GKDC_LOG_INFO, "DTLS handshake from %s: no client with that PSK identity",
           peer_address != NULL ? peer_address : "?");
    return 0;
  }
  memcpy(key, c->psk, c->psk_len);
  *key_len = c->psk_len;
  return 1;
}

/* Logs a warning when no listen entry of the config is a coaps endpoint,
 * because then no client can reach /token. */
static void check_listen(const struct as_state *st)
{
  const gkdc_cfg *root = GKDC_HAS_OP(st->host, config_root_get0)
                             ? st->host->config_root_get0()
                             : NULL;
  const gkdc_cfg *listen = gkdc_cfg_get0(root, "listen");
  size_t i;

  if (root == NULL)
    return;
  for (i = 0; i < gkdc_cfg_count(listen); i++) {
    const char *uri;

    if (gkdc_cfg_get_string(gkdc_cfg_elem0(listen, i), "uri", &uri) &&
        strncmp(uri, "coaps://", 8) == 0)
      return;
  }
  as_log(st, GKDC_LOG_WARNING, "no coaps:// listen entry: clients cannot reach /token, "
         "which takes requests over DTLS only");
}

/* Seeds the in-memory counters, or notes that the store keeps them. */
static int setup_counters(struct as_state *st)
{
  struct gkdc_provider store;
  uint8_t seed[16];
  size_t i;

  if (GKDC_HAS_OP(st->host, get_store) && st->host->get_store(&store)) {
    as_log(st, GKDC_LOG_INFO, "cti and OSCORE input material ids come from the durable "
           "counters of %s", store.plugin_name != NULL ? store.plugin_name : "the store");
    return 1;
  }

  /* A random start below 2^62 makes a repeat after a restart unlikely and
   * leaves room for 2^62 tokens before the counter wraps. */
  if (!gkdc_crypto_random(st->host->crypto_get0(), seed, sizeof(seed))) {
    as_log(st, GKDC_LOG_ERR, "no random bytes to seed the token counters");
    return 0;
  }
  st->next_cti_seq = 0;
  st->next_osc_id = 0;
  for (i = 0; i < 8; i++) {
    st->next_cti_seq = st->next_cti_seq << 8 | seed[i];
    st->next_osc_id = st->next_osc_id << 8 | seed[8 + i];
  }
  st->next_cti_seq >>= 2;
  st->next_osc_id >>= 2;
  as_log(st, GKDC_LOG_WARNING, "no store plugin: cti and OSCORE input material ids come "
         "from in-memory counters with a random start, not durable across restarts");
  return 1;
}

static void as_fini(void *state)
{
  struct as_state *st = state;

  if (st == NULL)
    return;
  as_config_free(st);
  if (st->issued != NULL) {
    gkdc_wipe(st->issued, AS_MAX_ISSUED * sizeof(*st->issued));
    free(st->issued);
  }
  gkdc_wipe(st, sizeof(*st));
  free(st);
}

static int as_init(gkdc_plugin *self, const struct gkdc_host_api *host, void **state_out)
{
  struct gkdc_route route;
  struct as_state *st;

  *state_out = NULL;
  st = calloc(1, sizeof(*st));
  if (st == NULL)
    return 0;
  st->self = self;
  st->host = host;

#ifndef GKDC_HAVE_DTLS
  as_log(st, GKDC_LOG_ERR, "this gkdc is built without DTLS (configure --without-dtls), "
         "but the AS authenticates its clients with DTLS and a pre-shared key; rebuild "
         "with DTLS to run it");
  goto fail;
#endif

  if (!GKDC_HAS_OP(host, crypto_get0) || !GKDC_HAS_OP(host, route_add) ||
      !GKDC_HAS_OP(host, dtls_psk_set) || !GKDC_HAS_OP(host, now)) {
    as_log(st, GKDC_LOG_ERR, "the host lacks crypto, routes, the clock or the DTLS PSK hook");
    goto fail;
  }
  st->issued = calloc(AS_MAX_ISSUED, sizeof(*st->issued));
  if (st->issued == NULL || !as_config_load(st) || !setup_counters(st))
    goto fail;

  memset(&route, 0, sizeof(route));
  route.size = sizeof(route);
  route.path = "token";
  route.methods = GKDC_METHOD_BIT(GKDC_POST);
  route.handler = as_token_handler;
  route.arg = st;
  if (!host->route_add(self, &route)) {
    as_log(st, GKDC_LOG_ERR, "cannot add the route /token; another plugin has it");
    goto fail;
  }
  if (!host->dtls_psk_set(self, lookup_psk, st)) {
    as_log(st, GKDC_LOG_ERR, "cannot install the DTLS PSK lookup: another plugin "
           "provides PSKs, or the host has no DTLS");
    if (GKDC_HAS_OP(host, route_remove))
      host->route_remove(self, "token");
    goto fail;
  }

  check_listen(st);
  as_log(st, GKDC_LOG_INFO, "AS ready: %zu audiences, %zu clients, POST /token over DTLS",
         st->audience_count, st->client_count);
  *state_out = st;
  return 1;

fail:
  as_fini(st);
  return 0;
}

static const struct gkdc_as_ops as_ops = {
    .size = sizeof(struct gkdc_as_ops),
    .token_path = "token",
    .token_issue = as_token_issue,
    .token_revoke = as_token_revoke,
    .introspect = as_introspect,
};

static const struct gkdc_plugin_desc as_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_AS,
    .name = "as-token",
    .version = PLUGIN_VERSION,
    .description = "ACE Authorization Server: /token over DTLS PSK, OSCORE-profile CWTs",
    .init = as_init,
    .fini = as_fini,
    .ops = &as_ops,
};

GKDC_PLUGIN_DEFINE(as_desc)
