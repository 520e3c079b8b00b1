/*
 * The one POST /authz-info route of the host (RFC 9200 section 5.10.1).
 *
 * Several profile plugins may serve token uploads at once (the OSCORE
 * profile takes unprotected uploads carrying nonce1 and uploads protected
 * with one of its contexts; a DTLS profile takes uploads on its sessions).
 * A profile plugin asks for the route with route_add("authz-info") as
 * before; the router hands such a request here, and the plugin becomes a
 * claimant instead of the route's owner. A request to /authz-info then
 * goes to the first claimant, in claim order, whose authz_info_match()
 * takes it, through its authz_info() operation. A request that no
 * claimant takes gets 4.00.
 */
#include <config.h>

#include <string.h>

#include <gkdc/profile.h>

#include "internal.h"

#define AUTHZ_INFO_PATH "authz-info"
#define MAX_CLAIMANTS 8

static gkdc_plugin *claimants[MAX_CLAIMANTS];
static size_t claimant_count;

/* Returns 1 when `p` is one of the loaded plugins. */
static int is_loaded(const gkdc_plugin *p) {
  const gkdc_plugin *q;

  for (q = gkdc_plugins_first(); q != NULL; q = q->next)
    if (q == p)
      return 1;
  return 0;
}

/* The profile table of a loaded plugin that can serve uploads, or NULL. */
static const struct gkdc_profile_ops *upload_ops(const gkdc_plugin *p) {
  const struct gkdc_profile_ops *ops;

  if (p == NULL || !is_loaded(p) || p->desc == NULL || p->desc->kind != GKDC_PLUGIN_PROFILE)
    return NULL;
  ops = p->desc->ops;
  if (ops == NULL || !GKDC_HAS_OP(ops, authz_info_match) || !GKDC_HAS_OP(ops, authz_info))
    return NULL;
  return ops;
}

static int handle_authz_info(void *arg, const struct gkdc_request *req,
                             struct gkdc_response *resp) {
  static const uint8_t invalid_request[] = {0xa1, 0x18, 0x1e, 0x01}; /* {30: 1} */
  size_t i;

  (void)arg;
  for (i = 0; i < claimant_count; i++) {
    const gkdc_plugin *p = claimants[i];
    const struct gkdc_profile_ops *ops = upload_ops(p);

    if (ops != NULL && p->initialized && ops->authz_info_match(p->state, req))
      return ops->authz_info(p->state, req, resp);
  }
  gkdc_log(GKDC_LOG_INFO, "host", "/authz-info: no profile takes the upload; answering 4.00");
  gkdc_response_set(resp, GKDC_CODE(4, 0), GKDC_CF_ACE_CBOR, invalid_request,
                    sizeof(invalid_request));
  return GKDC_HANDLED;
}

int gkdc_authz_route_wanted(const gkdc_plugin *owner, const struct gkdc_route *route) {
  return route != NULL && route->path != NULL && strcmp(route->path, AUTHZ_INFO_PATH) == 0 &&
         upload_ops(owner) != NULL;
}

int gkdc_authz_route_claim(gkdc_plugin *owner, const struct gkdc_route *route) {
  struct gkdc_route shared;
  size_t i;

  for (i = 0; i < claimant_count; i++) {
    if (claimants[i] == owner) {
      GKDC_ERR("route rejected: plugin %s already serves /%s", owner->desc->name,
               AUTHZ_INFO_PATH);
      return 0;
    }
  }
  if (claimant_count == MAX_CLAIMANTS) {
    GKDC_ERR("route rejected: more than %d profiles serve /%s", MAX_CLAIMANTS,
             AUTHZ_INFO_PATH);
    return 0;
  }

  /* The first claimant creates the host's route; its link attributes are
   * those of the first claimant. */
  if (claimant_count == 0) {
    memset(&shared, 0, sizeof(shared));
    shared.size = sizeof(shared);
    shared.path = AUTHZ_INFO_PATH;
    shared.methods = GKDC_METHOD_BIT(GKDC_POST);
    shared.link_attrs = route->link_attrs;
    shared.handler = handle_authz_info;
    gkdc_router_remove(NULL, AUTHZ_INFO_PATH);
    if (!gkdc_router_add(NULL, &shared))
      return 0;
  }
  claimants[claimant_count++] = owner;
  return 1;
}

void gkdc_authz_route_release(const gkdc_plugin *owner) {
  size_t i;

  for (i = 0; i < claimant_count; i++) {
    if (claimants[i] == owner) {
      memmove(&claimants[i], &claimants[i + 1],
              (claimant_count - i - 1) * sizeof(claimants[0]));
      claimant_count--;
      if (claimant_count == 0)
        gkdc_router_remove(NULL, AUTHZ_INFO_PATH);
      return;
    }
  }
}

void gkdc_authz_route_reset(void) {
  claimant_count = 0;
}
