# layers.cmake: checks that the layers only point down (docs/architecture.md):
#
#   vm  <-  jit  <-  oracle  <-  fuzz  <-  cli
#
# A source file of one layer may include only headers of its own layer or of a layer
# below it, and a library may link only libraries of its own layer or below. Run by
# CTest (test `layers`) as
#   cmake -DSOURCE_DIR=... -DLINKS=FILE -P layers.cmake
# where FILE lists "library: linked libraries" lines, written at configure time by
# tests/CMakeLists.txt. Header names must be unique across the layers, so that an
# include names one file.
set(layers vm jit oracle fuzz cli)

# Every header of every layer, by name -> its layer's rank.
set(rank 0)
foreach(layer ${layers})
  file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${layer}/*.h)
  foreach(h ${headers})
    get_filename_component(name ${h} NAME)
    if(DEFINED header_rank_${name})
      list(APPEND failures "header ${name} exists in two places (${header_path_${name}} and ${h}): an include would be ambiguous")
    endif()
    set(header_rank_${name} ${rank})
    set(header_path_${name} ${h})
  endforeach()
  set(layer_rank_${layer} ${rank})
  math(EXPR rank "${rank} + 1")
endforeach()

# Every #include "x.h" of every source file.
set(checked 0)
foreach(layer ${layers})
  file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${layer}/*.c ${SOURCE_DIR}/${layer}/*.h)
  foreach(src ${sources})
    file(STRINGS ${SOURCE_DIR}/${src} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" included "${line}")
      get_filename_component(name ${included} NAME)
      math(EXPR checked "${checked} + 1")
      if(NOT DEFINED header_rank_${name})
        continue()  # generated at build time (jit_stencils_ARCH.h) or a system header
      endif()
      if(header_rank_${name} GREATER layer_rank_${layer})
        list(APPEND failures "${src} (layer ${layer}) includes ${header_path_${name}}, a header of a higher layer")
      endif()
    endforeach()
  endforeach()
endforeach()

# Every library's links.
set(library_layer_tessera_vm vm)
set(library_layer_tessera_reloc jit)
set(library_layer_tessera_jit jit)
set(library_layer_tessera_extract jit)
set(library_layer_tessera_oracle oracle)
set(library_layer_tessera_fuzz fuzz)
file(STRINGS ${LINKS} link_lines)
foreach(line ${link_lines})
  string(REGEX MATCH "^([^:]+): *(.*)$" _ "${line}")
  set(lib ${CMAKE_MATCH_1})
  string(REPLACE " " ";" linked "${CMAKE_MATCH_2}")
  if(NOT DEFINED library_layer_${lib})
    list(APPEND failures "library ${lib} belongs to no layer: add it to tests/layers.cmake")
    continue()
  endif()
  foreach(other ${linked})
    if(NOT DEFINED library_layer_${other})
      continue()  # tessera_flags, m, threads: not a layer
    endif()
    set(from ${layer_rank_${library_layer_${lib}}})
    set(to ${layer_rank_${library_layer_${other}}})
    if(to GREATER from)
      list(APPEND failures "library ${lib} (layer ${library_layer_${lib}}) links ${other} (layer ${library_layer_${other}})")
    endif()
  endforeach()
endforeach()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "layers point up:\n  ${text}")
endif()
list(LENGTH link_lines nlibs)
message(STATUS "layers: ${checked} includes and ${nlibs} libraries point down")
