# Installation and the Debian packages.
#
#   cate-kiosk   the device: cate-kiosk, its service on tty1, its user, udev rules, settings,
#                USB sticks mounted for it and signed updates from them (cate-usb@.service)
#   cate-server  the office: cate-syncd with its service and user, and cate-admin
#
#   cmake --install BUILD --prefix ROOT     a root file system layout under ROOT (usr/bin, etc, lib)
#   cmake --build BUILD --target package    (or cpack in BUILD) both .deb files in BUILD
#
# Paths below are relative to the root of the file system: the packages install into "/".
# The architecture is a parameter (CATE_DEB_ARCH: amd64, arm64): a cross build for the
# Raspberry Pi sets it from its toolchain, or on the command line.

set(CATE_IMAGE_DIR ${CMAKE_CURRENT_LIST_DIR})

if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX "/" CACHE PATH "Root the system layout is installed under" FORCE)
endif()

# Debian's name for the processor the binaries are built for.
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _cate_processor)
if(_cate_processor MATCHES "^(x86_64|amd64)$")
  set(_cate_arch amd64)
elseif(_cate_processor MATCHES "^(aarch64|arm64)$")
  set(_cate_arch arm64)
elseif(_cate_processor MATCHES "^armv7")
  set(_cate_arch armhf)
else()
  execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE _cate_arch
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(CATE_DEB_ARCH "${_cate_arch}" CACHE STRING "Debian architecture of the packages (amd64, arm64)")
set(CATE_DEB_MAINTAINER "CATE kiosk maintainers <kiosk@cate.invalid>"
    CACHE STRING "Maintainer field of the Debian packages")
set(CATE_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (the part after the dash)")

# --- what goes where ----------------------------------------------------------------------

# The device.
install(TARGETS cate-kiosk RUNTIME DESTINATION usr/bin COMPONENT kiosk)
install(FILES ${CATE_IMAGE_DIR}/systemd/cate-kiosk.service DESTINATION lib/systemd/system COMPONENT kiosk)
install(FILES ${CATE_IMAGE_DIR}/udev/70-cate-kiosk.rules DESTINATION lib/udev/rules.d COMPONENT kiosk)
install(FILES ${CATE_IMAGE_DIR}/config/kiosk.env DESTINATION etc/cate-kiosk COMPONENT kiosk)
# USB sticks mounted for the kiosk under /media/cate-usb, and signed updates from them.
install(FILES ${CATE_IMAGE_DIR}/systemd/cate-usb@.service DESTINATION lib/systemd/system COMPONENT kiosk)
install(FILES ${CATE_IMAGE_DIR}/udev/71-cate-usb.rules DESTINATION lib/udev/rules.d COMPONENT kiosk)
install(FILES ${CATE_IMAGE_DIR}/systemd/tmpfiles-cate-kiosk.conf DESTINATION usr/lib/tmpfiles.d
        RENAME cate-kiosk.conf COMPONENT kiosk)
install(PROGRAMS ${CATE_IMAGE_DIR}/usb/cate-usb-mount ${CATE_IMAGE_DIR}/usb/cate-usb-update
        DESTINATION usr/lib/cate-kiosk COMPONENT kiosk)
# The clock set from the staff screen "Date and time" (a request in /run/cate-clock).
install(FILES ${CATE_IMAGE_DIR}/systemd/cate-set-clock.path ${CATE_IMAGE_DIR}/systemd/cate-set-clock.service
        DESTINATION lib/systemd/system COMPONENT kiosk)
install(PROGRAMS ${CATE_IMAGE_DIR}/clock/cate-set-clock DESTINATION usr/lib/cate-kiosk COMPONENT kiosk)

# The office.
set(_cate_server_targets cate-admin)
if(TARGET cate-syncd)
  list(APPEND _cate_server_targets cate-syncd)
  install(FILES ${CATE_IMAGE_DIR}/systemd/cate-syncd.service DESTINATION lib/systemd/system COMPONENT server)
  install(FILES ${CATE_IMAGE_DIR}/config/syncd.env DESTINATION etc/cate-server COMPONENT server)
endif()
install(TARGETS ${_cate_server_targets} RUNTIME DESTINATION usr/bin COMPONENT server)

# Each package's documentation: README, copyright, and the compressed changelog Debian expects.
string(TIMESTAMP _cate_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(_cate_pkg cate-kiosk cate-server)
  if(_cate_pkg STREQUAL "cate-kiosk")
    set(_cate_component kiosk)
  else()
    set(_cate_component server)
  endif()
  set(_cate_doc ${CMAKE_BINARY_DIR}/image/doc/${_cate_pkg})
  file(MAKE_DIRECTORY ${_cate_doc})
  file(WRITE ${_cate_doc}/changelog.Debian
       "${_cate_pkg} (${PROJECT_VERSION}-${CATE_DEB_RELEASE}) bookworm; urgency=medium\n\n"
       "  * Built from the CATE check-in kiosk's sources.\n\n"
       " -- ${CATE_DEB_MAINTAINER}  ${_cate_changelog_date}\n")
  execute_process(COMMAND gzip -9nf ${_cate_doc}/changelog.Debian RESULT_VARIABLE _cate_gzip)
  if(NOT _cate_gzip EQUAL 0)
    message(FATAL_ERROR "packaging: gzip failed on ${_cate_doc}/changelog.Debian")
  endif()
  install(FILES ${CATE_IMAGE_DIR}/doc/${_cate_pkg}.README DESTINATION usr/share/doc/${_cate_pkg}
          RENAME README COMPONENT ${_cate_component})
  install(FILES ${CATE_IMAGE_DIR}/doc/copyright ${_cate_doc}/changelog.Debian.gz
          DESTINATION usr/share/doc/${_cate_pkg} COMPONENT ${_cate_component})
endforeach()

# --- the Debian packages ------------------------------------------------------------------

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cate)
set(CPACK_PACKAGE_VENDOR "Coalition Against Trafficking and Exploitation (CATE)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX "/")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL kiosk server)
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # name_version-revision_arch.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${CATE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CATE_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CATE_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dpkg-shlibdeps adds the libraries the binaries link, with their minimum versions; the lists
# below name every package the programs need at run time, also those only opened by name
# (Mesa's EGL, GLES and DRI drivers for SDL's KMSDRM, fonts).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_KIOSK_PACKAGE_NAME cate-kiosk)
set(CPACK_DEBIAN_KIOSK_PACKAGE_SECTION misc)
string(CONCAT CPACK_COMPONENT_KIOSK_DESCRIPTION
    "CATE check-in kiosk\n"
    "The check-in kiosk of the Coalition Against Trafficking and Exploitation:\n"
    "a fullscreen touch-screen app that checks RSVP QR codes in offline, takes\n"
    "walk-ins and network sign-ups, and syncs with the office's server. It runs\n"
    "as a system service on the first console, with no desktop.")
string(JOIN ", " CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS
       adduser libsdl2-2.0-0 libstb0 libsqlite3-0 libqrencode4 libzxing2 libsodium23 libwebp7
       libturbojpeg0 libfmt9 libcurl4 libegl1 libegl-mesa0 libgles2 libgbm1 libgl1-mesa-dri
       fonts-noto-core mount)
set(CPACK_DEBIAN_KIOSK_PACKAGE_CONTROL_EXTRA
    ${CATE_IMAGE_DIR}/debian/kiosk/postinst ${CATE_IMAGE_DIR}/debian/kiosk/prerm
    ${CATE_IMAGE_DIR}/debian/kiosk/postrm ${CATE_IMAGE_DIR}/debian/kiosk/conffiles)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME cate-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
string(CONCAT CPACK_COMPONENT_SERVER_DESCRIPTION
    "CATE check-in office server and admin command\n"
    "The office side of the CATE check-in kiosk: cate-syncd, the sync server\n"
    "kiosks upload check-ins and sign-ups to and take meetings, rosters and\n"
    "keys from, and cate-admin, which manages meetings, RSVP rosters, ticket\n"
    "QR codes, devices and reports.")
string(JOIN ", " CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS
       adduser libsqlite3-0 libsodium23 libfmt9 libpq5 libqrencode4 libstb0 libwebp7)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CATE_IMAGE_DIR}/debian/server/postinst ${CATE_IMAGE_DIR}/debian/server/prerm
    ${CATE_IMAGE_DIR}/debian/server/postrm ${CATE_IMAGE_DIR}/debian/server/conffiles)

include(CPack)
