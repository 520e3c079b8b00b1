#!/bin/sh
# Checks that every plugin module of the build tree exports exactly one
# dynamic symbol, the entry point gkdc_plugin_entry. Any other exported name
# could bind calls in the host or in another plugin, and a missing entry
# point makes the host reject the plugin. The build tree is
# $abs_top_builddir, or the current directory when that is unset.
top=${abs_top_builddir:-.}

status=0
checked=0
for so in "$top"/plugins/*/.libs/*.so; do
  [ -e "$so" ] || continue
  exported=$(nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }' | sort | tr '\n' ' ')
  if [ "$exported" = "gkdc_plugin_entry " ]; then
    echo "ok: $so"
  else
    echo "FAIL: $so exports '${exported% }' instead of only gkdc_plugin_entry"
    status=1
  fi
  checked=$((checked + 1))
done

echo "check-plugin-exports: checked $checked plugin(s)"
if [ "$checked" -eq 0 ]; then
  echo "FAIL: no plugin module under $top/plugins/*/.libs (build the tree first)"
  status=1
fi
exit $status
