# The Debian packages, made by CPack from the build's install rules (`cpack` in the build
# folder): sluice (engine, plugins, service, packaged configuration) and sluice-dev (the
# plugin SDK). The install components: runtime (the engine and its plugins, under the
# prefix), service (the files at fixed system paths, /etc and /lib/systemd, which only a
# package installs) and dev (the SDK). `cmake --install` of runtime and dev into a prefix
# leaves the system alone.
set(debian ${PROJECT_SOURCE_DIR}/deploy/debian)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/sluice.yaml DESTINATION /etc/sluice COMPONENT service
        EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/sluice.default DESTINATION /etc/default
        RENAME sluice COMPONENT service EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/sluice.service
        DESTINATION /lib/systemd/system COMPONENT service EXCLUDE_FROM_ALL)
# Each package's documentation folder holds its copyright and its changelog, compressed
# as Debian's policy asks (gzip -9n: no name or time inside, so the build is reproducible).
set(changelog_gz ${CMAKE_BINARY_DIR}/package/changelog.Debian.gz)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
execute_process(COMMAND gzip -9nc ${debian}/changelog OUTPUT_FILE ${changelog_gz})
install(FILES ${debian}/copyright ${changelog_gz} DESTINATION share/doc/sluice
        COMPONENT runtime)
install(FILES ${debian}/copyright ${changelog_gz} DESTINATION share/doc/sluice-dev
        COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/sluice COMPONENT runtime)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The package's own revision: 0.1.0-1 is the first package of 0.1.0 (deploy/debian/changelog).
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_PACKAGE_CONTACT "Sluice Developer <dev@sluice.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime service dev)
set(CPACK_COMPONENT_RUNTIME_GROUP main)
set(CPACK_COMPONENT_SERVICE_GROUP main)
set(CPACK_COMPONENT_DEV_GROUP dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_MAIN_PACKAGE_NAME sluice)
set(CPACK_DEBIAN_MAIN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_MAIN_PACKAGE_DEPENDS adduser)
# CPack indents each line after the first by one space, as the control file wants.
set(CPACK_DEBIAN_MAIN_DESCRIPTION "log pipeline engine: files, containers and more to Loki
Sluice reads logs (files with rotation, Docker containers), shapes them with
processors and ships them to sinks such as Grafana Loki, acknowledging each
batch end to end so that nothing is lost across restarts. Plugins are shared
libraries; a running pipeline reloads on SIGHUP.
.
This package holds the engine, its plugins, a systemd service and a
configuration that ships this host's container and file logs to Loki.")
set(CPACK_DEBIAN_MAIN_PACKAGE_CONTROL_EXTRA
    ${debian}/conffiles ${debian}/postinst ${debian}/prerm ${debian}/postrm)
set(CPACK_DEBIAN_MAIN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME sluice-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS sluice)
set(CPACK_DEBIAN_DEV_DESCRIPTION "plugin SDK for the Sluice log pipeline engine
The C ABI and header-only C++ layer for writing Sluice source, processor and
sink plugins, with CMake and pkg-config files to build them.")
include(CPack)
