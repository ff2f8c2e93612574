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
