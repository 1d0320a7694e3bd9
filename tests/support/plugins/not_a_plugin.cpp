// A shared library with no Sluice entry point.
extern "C" int not_a_plugin_function() {
  return 42;
}
