/*
 * kdc-groupcomm: the plugin descriptor, init and fini, routes, and the
 * group lifecycle operations of struct gkdc_kdc_ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"

static void kdc_fini(void *state);

static struct kdc_group *group_by_name(struct kdc_state *k, const char *name)
{
  return name != NULL ? kdc_group_find(k, name, strlen(name)) : NULL;
}

static void set_err(int *err, int value)
{
  if (err != NULL)
    *err = value;
}

static int op_group_create(void *st, const char *name, const uint8_t *config,
                           size_t config_len, int *err)
{
  struct kdc_state *k = st;

  (void)config;
  (void)config_len;
  /* Groups need the Group Manager's key pair, which only the
   * configuration file provides. */
  kdc_log(k, GKDC_LOG_ERR, "group %s: groups are created from the configuration file",
          name != NULL ? name : "");
  set_err(err, group_by_name(k, name) != NULL ? GKDC_KDC_ERR_EXISTS : GKDC_KDC_ERR_CONFIG);
  return 0;
}

static int op_group_delete(void *st, const char *name, int *err)
{
  struct kdc_state *k = st;
  struct kdc_group *g = group_by_name(k, name);

  if (g == NULL) {
    set_err(err, GKDC_KDC_ERR_NOT_FOUND);
    return 0;
  }
  if (!k->store->group_delete(k->store_p.state, g->name)) {
    set_err(err, GKDC_KDC_ERR_STORE);
    return 0;
  }
  /* Observers of the group resource get 4.04 with error 6 (the handler
   * finds no group), then the resources go away. */
  if (GKDC_HAS_OP(k->host, notify))
    k->host->notify(k->self, g->path);
  if (GKDC_HAS_OP(k->host, route_remove))
    k->host->route_remove(k->self, g->path);
  kdc_log(k, GKDC_LOG_NOTICE, "group %s: deleted", g->name);
  return 1;
}

static int op_group_set_status(void *st, const char *name, int status, int *err)
{
  struct kdc_state *k = st;
  struct kdc_group *g = group_by_name(k, name);
  struct gkdc_store_group *rec = NULL;
  struct gkdc_store_group upd;
  char path[KDC_PATH_MAX];
  int ok;

  if (g == NULL || (status != GKDC_GROUP_ACTIVE && status != GKDC_GROUP_INACTIVE)) {
    set_err(err, g == NULL ? GKDC_KDC_ERR_NOT_FOUND : GKDC_KDC_ERR_MALFORMED);
    return 0;
  }
  if (!kdc_group_load(k, g, &rec)) {
    set_err(err, GKDC_KDC_ERR_STORE);
    return 0;
  }
  upd = *rec;
  if (status == GKDC_GROUP_ACTIVE)
    upd.flags |= GKDC_STORE_GROUP_ACTIVE;
  else
    upd.flags &= ~(uint32_t)GKDC_STORE_GROUP_ACTIVE;
  ok = k->store->group_set_config(k->store_p.state, &upd);
  k->store->record_free(k->store_p.state, rec);
  if (!ok) {
    set_err(err, GKDC_KDC_ERR_STORE);
    return 0;
  }
  kdc_log(k, GKDC_LOG_NOTICE, "group %s: now %s", g->name,
          status == GKDC_GROUP_ACTIVE ? "active" : "inactive");
  snprintf(path, sizeof(path), "%s/active", g->path);
  if (GKDC_HAS_OP(k->host, notify))
    k->host->notify(k->self, path);
  return 1;
}

static int op_rekey(void *st, const char *name, int reason, int *err)
{
  struct kdc_state *k = st;
  struct kdc_group *g = group_by_name(k, name);

  if (g == NULL) {
    set_err(err, GKDC_KDC_ERR_NOT_FOUND);
    return 0;
  }
  if (!kdc_rekey_group(k, g, reason)) {
    set_err(err, GKDC_KDC_ERR_STORE);
    return 0;
  }
  return 1;
}

static int op_evict(void *st, const char *name, const char *node_name, int *err)
{
  struct kdc_state *k = st;
  struct kdc_group *g = group_by_name(k, name);
  struct gkdc_store_member *m = NULL;

  if (g == NULL || node_name == NULL ||
      !k->store->member_get(k->store_p.state, g->name, node_name, &m)) {
    set_err(err, GKDC_KDC_ERR_NOT_FOUND);
    return 0;
  }
  k->store->record_free(k->store_p.state, m);
  if (!kdc_member_remove(k, g, node_name, 1)) {
    set_err(err, GKDC_KDC_ERR_STORE);
    return 0;
  }
  if (g->rekey_on_leave)
    kdc_rekey_group(k, g, GKDC_REKEY_EVICTION);
  return 1;
}

static const char *op_root_path_get(void *st)
{
  const struct kdc_state *k = st;

  return k->root;
}

static const struct gkdc_kdc_ops kdc_ops = {
    .size = sizeof(struct gkdc_kdc_ops),
    .root_path = GKDC_KDC_ROOT_PATH,
    .token_transfer = kdc_token_transfer,
    .token_end = kdc_token_end,
    .group_create = op_group_create,
    .group_delete = op_group_delete,
    .group_set_status = op_group_set_status,
    .rekey = op_rekey,
    .evict = op_evict,
    .join_request_build = kdc_join_request_build,
    .key_dist_parse = kdc_key_dist_parse,
    .token_transfer_request = kdc_token_transfer_request,
    .token_transfer_response_parse = kdc_token_transfer_response_parse,
    .root_path_get = op_root_path_get,
};

/* Adds the root route and one prefix route per group. */
static int routes_add(struct kdc_state *k)
{
  struct gkdc_route r;
  size_t i;

  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.path = k->root;
  r.methods = GKDC_METHOD_BIT(GKDC_FETCH);
  r.link_attrs = "if=\"ace.groups\"";
  r.handler = kdc_handle_root;
  r.arg = k;
  if (!k->host->route_add(k->self, &r)) {
    kdc_log(k, GKDC_LOG_ERR, "cannot add the route %s", k->root);
    return 0;
  }
  k->root_route = 1;

  for (i = 0; i < k->group_count; i++) {
    struct kdc_group *g = &k->groups[i];

    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.path = g->path;
    r.methods = GKDC_METHOD_BIT(GKDC_GET) | GKDC_METHOD_BIT(GKDC_POST) |
                GKDC_METHOD_BIT(GKDC_FETCH) | GKDC_METHOD_BIT(GKDC_DELETE);
    r.flags = GKDC_ROUTE_PREFIX | GKDC_ROUTE_OBSERVABLE;
    r.link_attrs = k->ap->group_link_attrs;
    r.handler = kdc_handle_group;
    r.arg = g;
    if (!k->host->route_add(k->self, &r)) {
      kdc_log(k, GKDC_LOG_ERR, "cannot add the route %s", g->path);
      return 0;
    }
  }
  return 1;
}

static int kdc_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                    void **state_out)
{
  struct kdc_state *k = calloc(1, sizeof(*k));
  size_t i;

  *state_out = NULL;
  if (k == NULL)
    return 0;
  k->self = self;
  k->host = host;

  if (!host->get_store(&k->store_p)) {
    kdc_log(k, GKDC_LOG_ERR, "no store plugin is loaded; the KDC needs one");
    goto fail;
  }
  k->store = k->store_p.ops;
  if (!host->get_appprofile(&k->ap_p)) {
    kdc_log(k, GKDC_LOG_ERR, "no appprofile plugin is loaded; the KDC needs one");
    goto fail;
  }
  k->ap = k->ap_p.ops;
  if (!GKDC_HAS_OP(k->ap, resource_handle) || !GKDC_HAS_OP(k->ap, info_entry_write)) {
    kdc_log(k, GKDC_LOG_ERR, "the appprofile plugin %s is too old for this KDC",
            k->ap_p.plugin_name);
    goto fail;
  }
  if (!kdc_config_load(k) || !routes_add(k))
    goto fail;

  /* Idle groups renew expired keying material too, checked every quarter
   * of the shortest lifetime (1 to 60 seconds). */
  if (k->group_count > 0 && GKDC_HAS_OP(host, timer_add)) {
    int64_t period = 60;

    for (i = 0; i < k->group_count; i++)
      if (k->groups[i].lifetime > 0 && k->groups[i].lifetime / 4 < period)
        period = k->groups[i].lifetime / 4;
    if (period < 1)
      period = 1;
    k->expiry_timer = host->timer_add(self, (uint64_t)period * 1000, 1, kdc_expiry_tick, k);
    if (k->expiry_timer == 0)
      kdc_log(k, GKDC_LOG_WARNING, "no expiry timer: expired keying material is renewed "
              "only when a request asks for it");
  }

  *state_out = k;
  return 1;

fail:
  kdc_fini(k);
  return 0;
}

static void kdc_fini(void *state)
{
  struct kdc_state *k = state;
  size_t i;

  if (k == NULL)
    return;
  if (k->expiry_timer != 0 && GKDC_HAS_OP(k->host, timer_cancel))
    k->host->timer_cancel(k->expiry_timer);
  if (k->root_route && GKDC_HAS_OP(k->host, route_remove)) {
    for (i = 0; i < k->group_count; i++)
      if (k->groups[i].path != NULL)
        k->host->route_remove(k->self, k->groups[i].path);
    k->host->route_remove(k->self, k->root);
  }
  kdc_config_free(k);
  free(k);
}

static const struct gkdc_plugin_desc kdc_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_KDC,
    .name = "kdc-groupcomm",
    .version = PLUGIN_VERSION,
    .description = "KDC for group communication (RFC 9594)",
    .init = kdc_init,
    .fini = kdc_fini,
    .ops = &kdc_ops,
};

GKDC_PLUGIN_DEFINE(kdc_desc)
