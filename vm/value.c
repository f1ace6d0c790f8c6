/* value.c: names of value kinds, of error kinds and of the builtins. */
#include "value.h"

#include <string.h>

#include "builtin.h"
#include "errors.h"

const char *value_type_name(Value v) {
  switch (v.kind) {
  case VAL_NIL: return "nil";
  case VAL_BOOL: return "bool";
  case VAL_INT: return "int";
  case VAL_FLOAT: return "float";
  case VAL_FUNC: return "function";
  case VAL_OBJ:
    switch ((ObjKind)v.as.obj->kind) {
    case OBJ_STRING: return "string";
    case OBJ_ARRAY: return "array";
    case OBJ_CLASS: return "class";
    case OBJ_INSTANCE: return "instance";
    case OBJ_MAP: return "map";
    case OBJ_ITER: return "iterator";
    case OBJ_CELL: return "cell";
    case OBJ_CLOSURE: return "closure";
    }
    break;
  case VAL_BUILTIN: return "builtin";
  }
  UNREACHABLE();
}

const char *const builtin_name[BUILTIN__COUNT] = {
#define BUILTIN(NAME, name, arity, result, keeps, doc) #name,
  TESSERA_BUILTINS(BUILTIN)
#undef BUILTIN
};

const unsigned char builtin_arity[BUILTIN__COUNT] = {
#define BUILTIN(NAME, name, arity, result, keeps, doc) arity,
  TESSERA_BUILTINS(BUILTIN)
#undef BUILTIN
};

const char *const error_kind_name[ERR__COUNT] = {
#define ERR(name, text, doc) text,
  TESSERA_ERRORS(ERR)
#undef ERR
};

const char *const error_kind_doc[ERR__COUNT] = {
#define ERR(name, text, doc) doc,
  TESSERA_ERRORS(ERR)
#undef ERR
};

int error_kind_from_name(const char *name) { return name_index(error_kind_name, ERR__COUNT, name); }
