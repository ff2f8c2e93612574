# CMake toolchain: 64-bit ARM Linux with Debian's cross compiler (g++-aarch64-linux-gnu) and
# its target libraries in /usr/aarch64-linux-gnu. Binaries run under qemu-aarch64 (qemu-user):
# CMake uses the emulator for add_test() commands and try_run, so ctest works unchanged.
# Used by scripts/cross_check.sh with cmake/cross/ (the kernels library and its tests only).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries and packages only from the target tree; host headers never (/usr/include holds the
# x86-64 libc's). Header-only dependencies are handed over explicitly by cmake/cross/.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
