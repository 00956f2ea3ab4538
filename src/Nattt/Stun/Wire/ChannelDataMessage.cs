using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>
/// ChannelData framing (RFC 8656 section 12.4): a 16-bit channel number (0x4000..0x4FFF), a 16-bit data length,
/// then the data. Over TCP and TLS the message is padded to a multiple of 4 bytes (section 12.5); over UDP padding
/// is optional, and a datagram longer than the message is accepted (the excess is ignored).
/// </summary>
public static class ChannelDataMessage
{
    public const int HeaderLength = 4;

    /// <summary>Parses a ChannelData message; <paramref name="data"/> is a view of the buffer.</summary>
    public static StunError TryRead(ReadOnlySpan<byte> buffer, out ushort channel, out ReadOnlySpan<byte> data)
    {
        channel = 0;
        data = default;
        if (buffer.Length < HeaderLength) return StunError.ChannelDataHeaderTruncated;
        channel = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (!ChannelNumberAttribute.IsValid(channel)) return StunError.ChannelNumberOutOfRange;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (HeaderLength + length > buffer.Length) return StunError.ChannelDataLengthBeyondBuffer;
        data = buffer.Slice(HeaderLength, length);
        return StunError.None;
    }

    /// <summary>Bytes a message with <paramref name="dataLength"/> bytes of data takes (padded for streams).</summary>
    public static int MessageLength(int dataLength, bool padForStream) =>
        HeaderLength + (padForStream ? StunConstants.Padded(dataLength) : dataLength);

    /// <summary>
    /// Writes the 4-byte header in front of data already in place at <c>destination[4..]</c> (the caller left
    /// headroom), and zero padding if <paramref name="padForStream"/>. Returns the message length, or 0 if it does
    /// not fit.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, ushort channel, int dataLength, bool padForStream)
    {
        if (!ChannelNumberAttribute.IsValid(channel)) throw new ArgumentOutOfRangeException(nameof(channel));
        if ((uint)dataLength > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(dataLength));
        int total = MessageLength(dataLength, padForStream);
        if (total > destination.Length) return 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination, channel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)dataLength);
        destination[(HeaderLength + dataLength)..total].Clear();
        return total;
    }

    /// <summary>Writes a whole message (header, a copy of the data, padding). Returns its length, or 0 if it does
    /// not fit.</summary>
    public static int TryWrite(Span<byte> destination, ushort channel, ReadOnlySpan<byte> data, bool padForStream)
    {
        if (MessageLength(data.Length, padForStream) > destination.Length) return 0;
        data.CopyTo(destination[HeaderLength..]);
        return WriteHeader(destination, channel, data.Length, padForStream);
    }
}
