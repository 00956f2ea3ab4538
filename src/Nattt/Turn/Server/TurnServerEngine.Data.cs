using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Server;

/// <summary>The data path: Send indications and ChannelData from clients (RFC 8656 sections 10.2 and 12.6), and
/// datagrams from peers turned into ChannelData or Data indications in place, in the headroom the host left
/// (sections 10.3 and 12.6). No allocation per packet.</summary>
public sealed partial class TurnServerEngine
{
    /// <summary>Transaction ID of the Data indication being written (indications need a random one, not a unique one).</summary>
    private readonly byte[] _indicationId = new byte[StunConstants.TransactionIdLength];

    private void OnSendIndication(in TurnClientKey client, in StunMessageReader message)
    {
        if (!_allocations.TryGetValue(client, out var allocation)) { Counters.Drop(TurnDropReason.NoAllocation); return; }
        if (XorPeerAddressAttribute.Read(message, out var peer) != StunError.None || peer is null ||
            DataAttribute.Read(message, out var data) != StunError.None)
        {
            Counters.Drop(TurnDropReason.Malformed);
            return;
        }
        RelayToPeer(allocation, peer, data);
    }

    private void OnChannelData(in TurnClientKey client, ReadOnlySpan<byte> packet)
    {
        // Read here rather than with ChannelDataMessage, which knows only RFC 8656's 0x4000-0x4FFF.
        if (packet.Length < ChannelDataMessage.HeaderLength ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) > packet.Length - ChannelDataMessage.HeaderLength)
        {
            Counters.Drop(TurnDropReason.Malformed);
            return;
        }
        ushort number = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var data = packet.Slice(ChannelDataMessage.HeaderLength, BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        if (!_allocations.TryGetValue(client, out var allocation)) { Counters.Drop(TurnDropReason.NoAllocation); return; }
        if (!allocation.ChannelsByNumber.TryGetValue(number, out var channel) || channel.Expires <= _time.GetUtcNow())
        {
            Counters.Drop(TurnDropReason.NoChannel);
            return;
        }
        RelayToPeer(allocation, channel.Peer, data);
    }

    private void RelayToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data)
    {
        if (!allocation.HasPermission(peer.Address, _time.GetUtcNow())) { Counters.Drop(TurnDropReason.NoPermission); return; }
        long stamp = _time.GetTimestamp();
        if (!allocation.ToPeerLimit.TryTake(data.Length, stamp) || !_capacity.TryTake(data.Length, stamp))
        {
            Counters.Drop(TurnDropReason.RateLimited);
            return;
        }
        _io.SendToPeer(allocation, peer, data);
        allocation.PacketsToPeer++;
        allocation.BytesToPeer += data.Length;
        Counters.PacketsToPeer++;
        Counters.BytesToPeer += data.Length;
    }

    /// <summary>
    /// A datagram a relay socket received from <paramref name="peer"/>: <c>buffer[offset..offset+length]</c>, with at
    /// least <see cref="PeerHeadroom"/> bytes before it and <see cref="PeerTailroom"/> after it, which this method
    /// overwrites to frame the data as ChannelData (if the peer has a channel) or a Data indication.
    /// </summary>
    public void OnPeerPacket(TurnAllocation allocation, IPEndPoint peer, Span<byte> buffer, int offset, int length)
    {
        if (offset < PeerHeadroom || buffer.Length < offset + length + PeerTailroom)
            throw new ArgumentException("The host must leave PeerHeadroom bytes before and PeerTailroom bytes after the data.");
        if (allocation.Closed) { Counters.Drop(TurnDropReason.NoAllocation); return; }
        var now = _time.GetUtcNow();
        if (!allocation.HasPermission(peer.Address, now)) { Counters.Drop(TurnDropReason.NoPermission); return; }
        long stamp = _time.GetTimestamp();
        if (!allocation.ToClientLimit.TryTake(length, stamp) || !_capacity.TryTake(length, stamp))
        {
            Counters.Drop(TurnDropReason.RateLimited);
            return;
        }
        ReadOnlySpan<byte> framed;
        if (allocation.ChannelsByPeer.TryGetValue(peer, out var channel) && channel.Expires > now)
        {
            int start = offset - ChannelDataMessage.HeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(buffer[start..], channel.Number);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(start + 2)..], (ushort)length);
            int total = ChannelDataMessage.MessageLength(length, allocation.Client.IsStream);
            buffer.Slice(offset + length, total - ChannelDataMessage.HeaderLength - length).Clear();
            framed = buffer.Slice(start, total);
        }
        else
        {
            bool v6 = peer.AddressFamily == AddressFamily.InterNetworkV6 && !peer.Address.IsIPv4MappedToIPv6;
            int start = offset - (StunConstants.HeaderLength + 2 * StunConstants.AttributeHeaderLength + (v6 ? 20 : 8));
            Random.Shared.NextBytes(_indicationId);
            var writer = new StunMessageWriter(buffer[start..], new StunMessageType(StunMethod.Data, StunClass.Indication), _indicationId);
            XorPeerAddressAttribute.TryWrite(ref writer, peer);
            DataAttribute.TryReserve(ref writer, length, out _); // the data is already in place
            framed = writer.Written;
        }
        _io.SendToClient(allocation.Client, framed);
        allocation.PacketsToClient++;
        allocation.BytesToClient += length;
        Counters.PacketsToClient++;
        Counters.BytesToClient += length;
    }
}
