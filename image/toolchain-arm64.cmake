# CMake toolchain for the Raspberry Pi (Debian arm64) on a Debian 12 machine of another
# architecture: Debian's cross compilers (crossbuild-essential-arm64) and the :arm64 -dev
# packages installed beside the build machine's own (multiarch, /usr/lib/aarch64-linux-gnu).
# image/cross-build-arm64.sh uses it inside a throwaway chroot; by hand:
#
#   cmake -S . -B build/arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=image/toolchain-arm64.cmake \
#         -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCATE_TESTS=OFF -DCATE_BENCH=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries and headers: Debian's multiarch folders for arm64, never the build machine's own
# libraries. Programs (cmake, pkg-config) are the build machine's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Programs built here run under qemu-user when a build step or a test needs them to.
find_program(CATE_QEMU_AARCH64 qemu-aarch64-static qemu-aarch64)
if(CATE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CATE_QEMU_AARCH64})
endif()

# The Debian packages are for arm64 (image/packaging.cmake), and dpkg-shlibdeps reads the
# arm64 libraries' symbols files.
set(CATE_DEB_ARCH arm64 CACHE STRING "Debian architecture of the packages")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
