using System.Net;
using System.Net.Sockets;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Server;

/// <summary>CreatePermission (RFC 8656 section 9) and ChannelBind (section 12).</summary>
public sealed partial class TurnServerEngine
{
    private void OnCreatePermission(in TurnClientKey client, in StunMessageReader request, byte[]? key, DateTimeOffset now)
    {
        if (!_allocations.TryGetValue(client, out var allocation)) { SendError(client, request, 437, "Allocation Mismatch", key); return; }
        var peers = new List<IPEndPoint>();
        foreach (var attribute in request.Attributes)
        {
            if (attribute.Type != StunAttributeType.XorPeerAddress) continue;
            if (StunAddress.ReadXor(attribute.Value, request.CookieAndTransactionId, out var peer) != StunError.None)
            {
                SendError(client, request, 400, "Bad Request: XOR-PEER-ADDRESS", key);
                return;
            }
            peers.Add(peer!);
        }
        if (peers.Count == 0) { SendError(client, request, 400, "Bad Request: no XOR-PEER-ADDRESS", key); return; }
        // All or nothing (section 9.2): check every peer before installing any.
        foreach (var peer in peers)
        {
            if (FamilyOf(peer) != FamilyOf(allocation.Relayed)) { SendError(client, request, 443, "Peer Address Family Mismatch", key); return; }
            if (!PeerAllowed(client, peer.Address)) { SendError(client, request, 403, "Forbidden: peer address not allowed", key); return; }
        }
        int added = peers.Select(p => p.Address).Distinct().Count(a => !allocation.Permissions.ContainsKey(a));
        if (allocation.Permissions.Count + added > _options.MaxPermissionsPerAllocation)
        {
            SendError(client, request, 508, "Insufficient Capacity: too many permissions", key);
            return;
        }
        foreach (var peer in peers) InstallPermission(allocation, peer.Address, now);
        var writer = StartResponse(request, StunClass.SuccessResponse);
        Finish(ref writer, client, request, key);
    }

    private void OnChannelBind(in TurnClientKey client, in StunMessageReader request, byte[]? key, DateTimeOffset now)
    {
        if (!_allocations.TryGetValue(client, out var allocation)) { SendError(client, request, 437, "Allocation Mismatch", key); return; }
        ushort number = 0;
        if (!request.TryGetAttribute(StunAttributeType.ChannelNumber, out var numberValue) || numberValue.Length != 4 ||
            !IsValidChannel(number = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(numberValue)))
        {
            SendError(client, request, 400, "Bad Request: CHANNEL-NUMBER missing or outside the channel range", key);
            return;
        }
        if (XorPeerAddressAttribute.Read(request, out var peer) != StunError.None || peer is null)
        {
            SendError(client, request, 400, "Bad Request: XOR-PEER-ADDRESS", key);
            return;
        }
        if (FamilyOf(peer) != FamilyOf(allocation.Relayed)) { SendError(client, request, 443, "Peer Address Family Mismatch", key); return; }
        if (!PeerAllowed(client, peer.Address)) { SendError(client, request, 403, "Forbidden: peer address not allowed", key); return; }
        bool numberTaken = allocation.ChannelsByNumber.TryGetValue(number, out var byNumber) && byNumber.Expires > now && !byNumber.Peer.Equals(peer);
        bool peerTaken = allocation.ChannelsByPeer.TryGetValue(peer, out var byPeer) && byPeer.Expires > now && byPeer.Number != number;
        if (numberTaken || peerTaken)
        {
            SendError(client, request, 400, "Bad Request: channel or peer already bound to another", key);
            return;
        }
        if (!allocation.Permissions.ContainsKey(peer.Address) && allocation.Permissions.Count >= _options.MaxPermissionsPerAllocation)
        {
            SendError(client, request, 508, "Insufficient Capacity: too many permissions", key);
            return;
        }
        // An expired binding may still sit in the table until the next Tick: replace it.
        if (byNumber is not null && !byNumber.Peer.Equals(peer)) allocation.ChannelsByPeer.Remove(byNumber.Peer);
        if (byPeer is not null && byPeer.Number != number) allocation.ChannelsByNumber.Remove(byPeer.Number);
        if (!allocation.ChannelsByNumber.TryGetValue(number, out var binding) || !binding.Peer.Equals(peer))
        {
            binding = new TurnChannelBinding(number, peer);
            allocation.ChannelsByNumber[number] = binding;
            allocation.ChannelsByPeer[peer] = binding;
            Counters.ChannelsBound++;
        }
        binding.Expires = now.AddSeconds(_options.ChannelLifetimeSeconds);
        InstallPermission(allocation, peer.Address, now);
        var writer = StartResponse(request, StunClass.SuccessResponse);
        Finish(ref writer, client, request, key);
    }

    private void InstallPermission(TurnAllocation allocation, IPAddress peer, DateTimeOffset now)
    {
        var expires = now.AddSeconds(_options.PermissionLifetimeSeconds);
        if (!allocation.Permissions.TryGetValue(peer, out var current)) Counters.PermissionsCreated++;
        if (current < expires) allocation.Permissions[peer] = expires;
    }
}
