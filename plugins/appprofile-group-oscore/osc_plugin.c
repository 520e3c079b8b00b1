/*
 * appprofile-group-oscore: the plugin descriptor, init and fini, and the
 * operation table.
 *
 * Settings of the plugin's section plugin_config.appprofile-group-oscore:
 *   oauth_labels   "rfc" (default), "java" or "both": the OAuth keys of
 *                  ecdh_info and kdc_dh_creds at /authz-info (47/48, the
 *                  Java implementation's 92/93, or whichever key the
 *                  client requested). A group's own setting overrides it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc_internal.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0"
#endif

void osc_log(const struct osc_state *s, int level, const char *fmt, ...)
{
  va_list ap;

  if (s == NULL || s->host == NULL || !GKDC_HAS_OP(s->host, vlog))
    return;
  va_start(ap, fmt);
  s->host->vlog(s->self, level, fmt, ap);
  va_end(ap);
}

void osc_fail(struct osc_state *s, struct gkdc_ap_fail *fail, uint8_t code,
              int error_id, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
  va_end(ap);
  if (fail != NULL) {
    fail->code = code;
    fail->error_id = error_id;
    fail->detail = s->detail;
  }
}

int osc_random(const struct osc_state *s, uint8_t *buf, size_t len)
{
  if (s->cx == NULL)
    return 0;
  return gkdc_crypto_random(s->cx, buf, len);
}

/* Reads oauth_labels from a libconfig node; -1 when it is invalid. */
static int oauth_labels_read(const gkdc_cfg *node, int dflt)
{
  const char *text = NULL;

  if (node == NULL || gkdc_cfg_get0(node, "oauth_labels") == NULL)
    return dflt;
  if (!gkdc_cfg_get_string(node, "oauth_labels", &text))
    return -1;
  if (strcmp(text, "rfc") == 0)
    return GKDC_OSC_OAUTH_RFC;
  if (strcmp(text, "java") == 0)
    return GKDC_OSC_OAUTH_JAVA;
  if (strcmp(text, "both") == 0)
    return GKDC_OSC_OAUTH_BOTH;
  return -1;
}

static int osc_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                    void **state_out)
{
  struct osc_state *s;
  const gkdc_cfg *cfg = NULL;
  size_t i;

  if ((s = calloc(1, sizeof(*s))) == NULL)
    return 0;
  s->self = self;
  s->host = host;

  if (!GKDC_HAS_OP(host, get_store) || !host->get_store(&s->store_p)) {
    osc_log(s, GKDC_LOG_ERR, "no store plugin is loaded; the OSCORE profile keeps "
                             "Sender IDs and Gids in it: load store-sqlite");
    free(s);
    return 0;
  }
  s->store = s->store_p.ops;
  if (GKDC_HAS_OP(host, crypto_get0))
    s->cx = host->crypto_get0();

  if (GKDC_HAS_OP(host, config_get0))
    cfg = host->config_get0(self);
  for (i = 0; cfg != NULL && i < gkdc_cfg_count(cfg); i++) {
    const char *name = gkdc_cfg_name(gkdc_cfg_elem0(cfg, i));

    if (name == NULL || strcmp(name, "oauth_labels") != 0) {
      osc_log(s, GKDC_LOG_ERR, "%s: unknown setting \"%s\"; appprofile-group-oscore "
              "takes oauth_labels", gkdc_cfg_where(gkdc_cfg_elem0(cfg, i)),
              name != NULL ? name : "?");
      free(s);
      return 0;
    }
  }
  s->oauth_labels = oauth_labels_read(cfg, GKDC_OSC_OAUTH_RFC);
  if (s->oauth_labels < 0) {
    osc_log(s, GKDC_LOG_ERR, "%s: oauth_labels must be \"rfc\", \"java\" or \"both\"",
            gkdc_cfg_where(gkdc_cfg_get0(cfg, "oauth_labels")));
    free(s);
    return 0;
  }

  *state_out = s;
  return 1;
}

static void osc_fini(void *state)
{
  free(state);
}

static const struct gkdc_appprofile_ops osc_ops = {
    .size = sizeof(struct gkdc_appprofile_ops),
    .groupcomm_profile = GKDC_OSC_GROUPCOMM_PROFILE,
    .name = "coap_group_oscore_app",
    .gkty = GKDC_OSC_GKTY,
    .group_link_attrs = "rt=\"" GKDC_OSC_RT "\";if=\"ace.group\";ct=261",
    .resources = osc_resources,
    .resource_count = sizeof(osc_resources) / sizeof(osc_resources[0]),
    .scope_roles = osc_scope_roles,
    .join_scope_parse = osc_join_scope_parse,
    .roles_need_cred = osc_roles_need_cred,
    .access_check = osc_access_check,
    .config_parse = osc_config_parse,
    .group_crypto_get = osc_group_crypto_get,
    .group_create = osc_group_create,
    .group_rekey = osc_group_rekey,
    .member_join = osc_member_join,
    .member_leave = osc_member_leave,
    .member_renew = osc_member_renew,
    .cred_check = osc_cred_check,
    .key_write = osc_key_write,
    .extra_write = osc_extra_write,
    .token_transfer_write = osc_token_transfer_write,
    .resource_handle = osc_resource_handle,
    .config_encode = osc_config_encode,
    .info_entry_write = osc_info_entry_write,
};

static const struct gkdc_plugin_desc osc_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_APPPROFILE,
    .name = "appprofile-group-oscore",
    .version = PLUGIN_VERSION,
    .description = "OSCORE Group Manager profile of RFC 9594 (draft-ietf-ace-key-groupcomm-oscore-21)",
    .init = osc_init,
    .fini = osc_fini,
    .ops = &osc_ops,
};

GKDC_PLUGIN_DEFINE(osc_desc)
