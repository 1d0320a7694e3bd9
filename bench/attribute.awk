# Reads `perf script` output with call chains and charges each sample to whose code caused it:
# walking from the leaf towards the root, the first frame that is a plugin's (its library, or
# RE2 working for it) or the engine's (sluice::core) takes the sample. So a memcpy inside the
# engine's batch copy, or a futex wake from a queue, is the engine's, even though the plugin's
# thread called into it; a plugin's own formatting or matching is the plugin's. Start-up
# (reading the config, finding and loading the plugins) happens once, not per event: a sample
# with one of its frames on the stack is charged to start-up, whoever's code it was in.
function owner(line,    dso) {
  if (line ~ /sluice::core::/) return "engine (graph, queues, acks, batches)";
  if (line ~ /re2::|RE2::|libre2\.so/) return "plugin: filter (RE2)";
  if (match(line, /plugins\/[a-z_]+\.so\)/)) {
    dso = substr(line, RSTART + 8, RLENGTH - 12);
    return "plugin: " dso;
  }
  return "";
}
function charge() {
  total++
  count[charged == "" || startup ? "other (start-up, loader, bench driver)" : charged]++
}
/^[^ \t]/ { in_sample = 1; charged = ""; startup = 0; next }
/^$/ { if (in_sample) charge(); in_sample = 0; next }
{
  if (!in_sample) next
  if (charged == "") charged = owner($0)
  if ($0 ~ /sluice::core::(Engine::load|load_pipeline_text|configure_logging)/) startup = 1
}
END {
  if (in_sample) charge()
  for (w in count) printf "  %5.1f%%  %s\n", 100.0 * count[w] / total, w | "sort -rn"
  close("sort -rn")
  printf "  %d samples\n", total
}
