"""The peer `make bench` measures the product against: the same todo API as
many would write it in Python, FastAPI + SQLAlchemy + SQLite, with the same
idempotency table (key, request fingerprint, todo, recorded response) and
the same durability (WAL, synchronous=FULL). Runs under uvicorn behind the
benchmark's nginx. Only what the benchmark drives: POST /todos with or
without a key, GET /todos/{id}.

    python3 fastapi_todo.py init DB ROWS   creates the schema and ROWS todos
    BENCH_DB=DB uvicorn fastapi_todo:app   serves
"""
import datetime
import hashlib
import json
import os
import sys
import time
from typing import Optional

from fastapi import FastAPI, Header, Response
from pydantic import BaseModel, constr
from sqlalchemy import (Boolean, Column, Integer, LargeBinary, String, Text,
                        create_engine, event, text)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import declarative_base, sessionmaker

Base = declarative_base()


class Todo(Base):
    __tablename__ = "todos"
    id = Column(Integer, primary_key=True, autoincrement=True)
    title = Column(Text, nullable=False)
    description = Column(Text)
    is_completed = Column(Boolean, nullable=False, default=False)
    created_at = Column(String, nullable=False)
    updated_at = Column(String, nullable=False)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    key = Column(String, primary_key=True)
    method = Column(String, nullable=False)
    path = Column(String, nullable=False)
    fingerprint = Column(String, nullable=False)
    todo_id = Column(Integer)
    status = Column(Integer, nullable=False)
    body = Column(LargeBinary, nullable=False)
    created_at = Column(Integer, nullable=False)
    expires_at = Column(Integer, nullable=False, index=True)


def make_engine(path):
    engine = create_engine("sqlite:///" + path,
                           connect_args={"check_same_thread": False, "timeout": 5})

    @event.listens_for(engine, "connect")
    def pragmas(conn, _record):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")

    return engine


class TodoIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=200)
    description: Optional[constr(max_length=2000)] = None
    is_completed: bool = False

    class Config:
        extra = "forbid"


def as_json(t):
    return json.dumps({"id": t.id, "title": t.title, "description": t.description,
                       "is_completed": t.is_completed, "created_at": t.created_at,
                       "updated_at": t.updated_at}, separators=(",", ":")).encode()


def replay(row):
    return Response(row.body, status_code=row.status, media_type="application/json",
                    headers={"Location": "/todos/%d" % row.todo_id,
                             "Idempotent-Replayed": "true"})


app = FastAPI()
Session = sessionmaker(bind=make_engine(os.environ.get("BENCH_DB", "bench.db")))
TTL = 86400


@app.post("/todos", status_code=201)
def create(todo: TodoIn, idempotency_key: Optional[str] = Header(None)):
    fingerprint = hashlib.sha256(json.dumps(todo.dict(), sort_keys=True).encode()).hexdigest()
    with Session() as s:
        if idempotency_key is not None:
            row = s.get(IdempotencyKey, idempotency_key)
            if row is not None and row.expires_at > time.time():
                if row.fingerprint != fingerprint:
                    return Response(status_code=422)
                return replay(row)
        now = datetime.datetime.utcnow().isoformat(timespec="milliseconds") + "Z"
        t = Todo(title=todo.title, description=todo.description,
                 is_completed=todo.is_completed, created_at=now, updated_at=now)
        s.add(t)
        s.flush()
        body = as_json(t)
        if idempotency_key is not None:
            s.add(IdempotencyKey(key=idempotency_key, method="POST", path="/todos",
                                 fingerprint=fingerprint, todo_id=t.id, status=201,
                                 body=body, created_at=int(time.time()),
                                 expires_at=int(time.time()) + TTL))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return replay(s.get(IdempotencyKey, idempotency_key))
        return Response(body, status_code=201, media_type="application/json",
                        headers={"Location": "/todos/%d" % t.id})


@app.get("/todos/{todo_id}")
def read(todo_id: int):
    with Session() as s:
        t = s.get(Todo, todo_id)
        if t is None:
            return Response(status_code=404)
        return Response(as_json(t), media_type="application/json")


@app.get("/healthz")
def health():
    return {"status": "ok"}


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "init":
    engine = make_engine(sys.argv[2])
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n)"
            " INSERT INTO todos (title, description, is_completed, created_at, updated_at)"
            " SELECT 'todo ' || x, NULL, x % 2, '2026-01-01T00:00:00.000Z',"
            " '2026-01-01T00:00:00.000Z' FROM c"), {"n": int(sys.argv[3])})
