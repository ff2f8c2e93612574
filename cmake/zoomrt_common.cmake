# What the full build (CMakeLists.txt) and the kernels-only cross build (cmake/cross/) share:
# language level, default build type, warnings, and zoomrt_library(). Set ZOOMRT_WERROR_DEFAULT
# before including (the cross check treats warnings as errors by default, the host build not).
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "" FORCE)
endif()

option(ZOOMRT_WERROR "Treat warnings as errors" ${ZOOMRT_WERROR_DEFAULT})
add_compile_options(-Wall -Wextra)
if(ZOOMRT_WERROR)
  add_compile_options(-Werror)
endif()

# zoomrt_library(NAME DEPS...): a static library from the .cpp files directly in the current
# folder (subfolders with their own ISA flags add their sources themselves).
function(zoomrt_library name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_link_libraries(${name} PUBLIC ${ARGN})
  else()  # a folder whose issue has not landed yet
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()

# zoomrt_embed_text_files(TARGET FUNCTION GLOBS...): compiles into TARGET a generated .cpp
# defining `const zoomrt::EmbeddedTexts& zoomrt::FUNCTION()` (base/embedded_text.h): the files
# matching GLOBS as {name without extension, text} in name order, each a raw string literal.
# Editing, adding or removing a file re-runs the configure step.
function(zoomrt_embed_text_files target function)
  file(GLOB files CONFIGURE_DEPENDS ${ARGN})
  list(SORT files)
  set(entries "")
  foreach(f ${files})
    get_filename_component(name ${f} NAME_WE)
    file(READ ${f} text)
    string(FIND "${text}" ")zoomrt_text\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${f}: contains )zoomrt_text\", which would end the raw string it is embedded in")
    endif()
    string(APPEND entries "    {\"${name}\", R\"zoomrt_text(${text})zoomrt_text\"},\n")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})
  string(JOIN " " sources ${ARGN})
  file(RELATIVE_PATH sources "${CMAKE_SOURCE_DIR}" "${sources}")
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp)
  file(CONFIGURE OUTPUT ${out} CONTENT [=[
// Generated at configure time by zoomrt_embed_text_files (cmake/zoomrt_common.cmake) from
// @sources@. Do not edit.
#include "base/embedded_text.h"

namespace zoomrt {
const EmbeddedTexts& @function@() {
  static const EmbeddedTexts list = {
@entries@  };
  return list;
}
}  // namespace zoomrt
]=] @ONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
