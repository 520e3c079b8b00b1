/*
 * gkdc plugin SDK: the profile plugin kind (one ACE transport profile each,
 * such as the OSCORE profile of RFC 9203).
 *
 * Several profile plugins can be loaded at once. The host registers each
 * table under its `ace_profile` value, the name that the access token and
 * the AS use for the profile ("coap_oscore", "coap_dtls"), and
 * host->find_profile() returns it.
 *
 * NOTE: this header holds only the members that the registry reads. The
 * profile operations are appended after `ace_profile` by the work that
 * writes the first profile plugin; `size` and `ace_profile` stay first.
 */
#ifndef GKDC_PROFILE_H
#define GKDC_PROFILE_H

#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ace_profile values of RFC 9203 (OSCORE) and RFC 9202 (DTLS). */
#define GKDC_ACE_PROFILE_OSCORE "coap_oscore"
#define GKDC_ACE_PROFILE_DTLS "coap_dtls"

/* The profile operation table. */
struct gkdc_profile_ops {
  uint32_t size;

  /* The ace_profile value the registry keys on. It stays right after
   * `size`. */
  const char *ace_profile;
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_PROFILE_H */
