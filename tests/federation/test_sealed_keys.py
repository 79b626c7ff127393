"""The nodes' private signing keys are sealed at rest (FEDERATION_SEALING_KEYS, infra/sealing.py): the
database column holds a Fernet token, never the key; a rotated key list keeps reading; the migration that
introduced sealing seals the rows it finds in clear."""

import importlib
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from federation import signing
from federation.models import NodeKey, UpstreamLink
from federation.node_key import node_key
from infra.sealing import Unsealable

pytestmark = pytest.mark.django_db
DEV_KEY = "ZGV2LW9ubHktbm9kZS1zZWFsaW5nLWtleS0wMDAwMDA="
MIGRATION = importlib.import_module("federation.migrations.0006_sealed_keys_algorithms")


def stored(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT private_key FROM {table}")  # a fixed table name
        return cursor.fetchone()[0]


def link(private_key: str) -> UpstreamLink:
    return UpstreamLink.objects.create(
        url="http://national.example",
        upstream_prefix="CN",
        upstream_name="国家节点",
        prefix="CN.510000",
        role="regional",
        key_id="CN.510000:aa",
        private_key=private_key,
        enrolled_at=timezone.now(),
    )


@pytest.mark.parametrize("algorithm", ["ed25519", "sm2"])
def test_the_database_holds_a_token_never_the_private_key(settings, algorithm):
    settings.NODE_SIGNATURE_ALGORITHM = algorithm
    key = node_key()
    pair = signing.generate_keypair(algorithm)
    link(pair.private_key)
    for table, clear in (("federation_nodekey", key.private_key), ("federation_upstreamlink", pair.private_key)):
        column = stored(table)
        assert clear not in column and column.startswith("gAAAAA")  # a Fernet token
    assert NodeKey.objects.get().private_key == key.private_key
    assert UpstreamLink.objects.get().private_key == pair.private_key


def test_a_rotated_key_list_keeps_reading_and_resealing_moves_every_key_to_the_new_key(settings):
    key = node_key()
    clear = key.private_key
    link(signing.generate_keypair().private_key)
    before = stored("federation_nodekey")
    new = Fernet.generate_key().decode()
    settings.FEDERATION_SEALING_KEYS = [new, DEV_KEY]
    assert NodeKey.objects.get().private_key == clear  # still sealed under the old key, opened by it

    call_command("federation_keys_reseal")
    assert stored("federation_nodekey") != before
    settings.FEDERATION_SEALING_KEYS = [new]  # the old key dropped
    assert NodeKey.objects.get().private_key == clear
    assert UpstreamLink.objects.get().private_key

    settings.FEDERATION_SEALING_KEYS = [Fernet.generate_key().decode()]  # a key list that opens nothing
    with pytest.raises(Unsealable):
        NodeKey.objects.get()


def test_the_migration_seals_private_keys_stored_in_clear_and_leaves_sealed_ones():
    pair = signing.generate_keypair()
    link(signing.generate_keypair().private_key)
    sealed_before = stored("federation_upstreamlink")
    with connection.cursor() as cursor:  # a row as 0005 stored it: the key in clear
        cursor.execute(
            "INSERT INTO federation_nodekey (key_id, algorithm, public_key, private_key, created_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            ["CN:node:old", "ed25519", pair.public_key, pair.private_key, timezone.now()],
        )
    MIGRATION.seal_existing(None, SimpleNamespace(connection=connection))
    assert stored("federation_nodekey").startswith("gAAAAA")
    assert NodeKey.objects.get(key_id="CN:node:old").private_key == pair.private_key
    assert stored("federation_upstreamlink") == sealed_before  # already sealed: untouched

    MIGRATION.unseal_existing(None, SimpleNamespace(connection=connection))  # backwards
    assert stored("federation_nodekey") == pair.private_key
