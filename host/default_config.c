/*
 * The embedded default config, used by `gkdc serve` without -c. It has no
 * plugin_dir, so plugins come from $GKDC_PLUGIN_PATH when that is set (the
 * build tree, for run.sh) and from the installed plugin directory otherwise.
 */
#include <config.h>

#include "internal.h"

static const char default_config_text[] =
    "# gkdc built-in default configuration.\n"
    "log = { level = \"info\"; sink = \"stderr\"; };\n"
    "plugins = ( \"alg-boringssl\" );\n"
    "listen = ( { uri = \"coap://127.0.0.1:5683\"; } );\n";

const char *gkdc_config_default_text(void) { return default_config_text; }
