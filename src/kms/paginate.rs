//! Paginators over the List* operations (in progress).
