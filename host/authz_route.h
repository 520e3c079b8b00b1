/*
 * The host's shared POST /authz-info route (authz_route.c), used by the
 * router: gkdc_authz_route_wanted() tells whether a route that `owner`
 * adds is a profile plugin's /authz-info, which gkdc_authz_route_claim()
 * then records (returns 1, or 0 after logging). gkdc_authz_route_release()
 * forgets a plugin (the route goes with the last one) and
 * gkdc_authz_route_reset() forgets all, after the routes were cleared.
 */
#ifndef GKDC_AUTHZ_ROUTE_H
#define GKDC_AUTHZ_ROUTE_H

#include "internal.h"

int gkdc_authz_route_wanted(const gkdc_plugin *owner, const struct gkdc_route *route);
int gkdc_authz_route_claim(gkdc_plugin *owner, const struct gkdc_route *route);
void gkdc_authz_route_release(const gkdc_plugin *owner);
void gkdc_authz_route_reset(void);

#endif
