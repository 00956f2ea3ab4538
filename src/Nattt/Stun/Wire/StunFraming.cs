using System.Buffers.Binary;

namespace Nattt.Stun.Wire;

/// <summary>What the first byte of a packet says it is (RFC 7983 section 7, as TURN and ICE multiplex them).</summary>
public enum StunPacketKind : byte
{
    /// <summary>0..3: a STUN message.</summary>
    Stun,
    /// <summary>64..79: TURN ChannelData.</summary>
    ChannelData,
    /// <summary>Anything else (DTLS, RTP, noise).</summary>
    Other,
}

/// <summary>
/// Demultiplexing and stream framing. Over TCP and TLS, STUN messages and ChannelData follow each other with no
/// other delimiter (RFC 8489 section 6.2.2, RFC 8656 section 12.5): the first 4 bytes give the frame length.
/// </summary>
public static class StunFraming
{
    public static StunPacketKind Classify(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty) return StunPacketKind.Other;
        return packet[0] switch
        {
            <= 3 => StunPacketKind.Stun,
            >= 64 and <= 79 => StunPacketKind.ChannelData,
            _ => StunPacketKind.Other,
        };
    }

    /// <summary>
    /// The length of the frame at the start of a stream buffer. <paramref name="frameLength"/> is 0 while fewer than
    /// 4 bytes are buffered; otherwise the caller waits until that many bytes are there. A stream whose next byte
    /// is neither STUN nor ChannelData, or a STUN length that is not a multiple of 4, cannot be resynchronised: the
    /// caller closes the connection.
    /// </summary>
    public static StunError TryGetFrameLength(ReadOnlySpan<byte> buffered, out int frameLength)
    {
        frameLength = 0;
        if (buffered.IsEmpty) return StunError.None;
        var kind = Classify(buffered);
        if (kind == StunPacketKind.Other) return StunError.FrameNotStunOrChannelData;
        if (buffered.Length < 4) return StunError.None;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffered[2..]);
        if (kind == StunPacketKind.Stun)
        {
            if ((length & 3) != 0) return StunError.HeaderLengthNotMultipleOf4;
            frameLength = StunConstants.HeaderLength + length;
        }
        else
        {
            frameLength = ChannelDataMessage.HeaderLength + StunConstants.Padded(length);
        }
        return StunError.None;
    }
}
