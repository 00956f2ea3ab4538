using System.Buffers.Binary;

namespace Nattt.Packets;

// TCP MSS clamping (RFC 9293 3.7.1, the MSS option; RFC 4459 on why tunnels clamp it).
public ref partial struct IpPacket
{
    private const byte TcpOptionEnd = 0;
    private const byte TcpOptionNop = 1;
    private const byte TcpOptionMss = 2;

    /// <summary>
    /// On a TCP SYN (or SYN-ACK) whose MSS option exceeds <paramref name="maxMss"/>, lowers it to
    /// <paramref name="maxMss"/> and updates the TCP checksum, so the peers never send segments that would not fit the
    /// tunnel. A SYN without the option is left alone (its implied MSS, 536 or 1220, already fits).
    /// </summary>
    /// <returns>True when the option was rewritten; false for non-SYN, non-TCP, no MSS option, an MSS already small
    /// enough, or malformed options (left untouched).</returns>
    public readonly bool TryClampTcpMss(ushort maxMss)
    {
        if (Protocol != IpProtocol.Tcp || (TcpFlags & TcpFlags.Syn) == 0) return false;
        if (TransportOffset + 20 > _bytes.Length) return false;
        var end = TransportOffset + (_bytes[TransportOffset + 12] >> 4) * 4;
        if (end > _bytes.Length) return false;
        var offset = TransportOffset + 20;
        while (offset < end)
        {
            var kind = _bytes[offset];
            if (kind == TcpOptionEnd) return false;
            if (kind == TcpOptionNop)
            {
                offset++;
                continue;
            }
            if (offset + 2 > end) return false;
            var length = _bytes[offset + 1];
            if (length < 2 || offset + length > end) return false;
            if (kind == TcpOptionMss && length == 4)
            {
                var valueOffset = offset + 2;
                var mss = BinaryPrimitives.ReadUInt16BigEndian(_bytes[valueOffset..]);
                if (mss <= maxMss) return false;
                BinaryPrimitives.WriteUInt16BigEndian(_bytes[valueOffset..], maxMss);
                var delta = FieldDelta(valueOffset, mss, maxMss);
                var outerDelta = delta;
                AdjustChecksum(TransportChecksumOffset, delta, isUdp: false, ref outerDelta);
                ApplyOuterDelta(outerDelta);
                return true;
            }
            offset += length;
        }
        return false;
    }
}
