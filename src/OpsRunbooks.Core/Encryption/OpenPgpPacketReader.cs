namespace OpsRunbooks.Encryption;

/// <summary>The header of one OpenPGP packet (RFC 4880 4.2): its tag and how its body length is given.</summary>
internal readonly record struct OpenPgpPacketHeader(int Tag, long Length, bool Partial, bool Indeterminate);

/// <summary>Reads packet headers and bodies from a stream, new and old format alike.</summary>
internal static class OpenPgpPacketReader
{
    /// <summary>The next packet's header, or null at the end of the stream.</summary>
    public static OpenPgpPacketHeader? ReadHeader(Stream input)
    {
        var first = input.ReadByte();
        if (first < 0) return null;
        if ((first & 0x80) == 0) throw new InvalidDataException("not an OpenPGP packet header");
        if ((first & 0x40) != 0)
        {
            var (length, partial) = ReadNewFormatLength(input);
            return new OpenPgpPacketHeader(first & 0x3F, length, partial, Indeterminate: false);
        }
        var tag = (first >> 2) & 0x0F;
        return (first & 0x03) switch
        {
            0 => new OpenPgpPacketHeader(tag, ReadBigEndian(input, 1), false, false),
            1 => new OpenPgpPacketHeader(tag, ReadBigEndian(input, 2), false, false),
            2 => new OpenPgpPacketHeader(tag, ReadBigEndian(input, 4), false, false),
            _ => new OpenPgpPacketHeader(tag, 0, false, Indeterminate: true),
        };
    }

    /// <summary>A new-format body length: definite, or the length of one partial chunk.</summary>
    public static (long Length, bool Partial) ReadNewFormatLength(Stream input)
    {
        var first = ReadByteOrFail(input);
        return first switch
        {
            < 192 => (first, false),
            < 224 => (((first - 192) << 8) + ReadByteOrFail(input) + 192, false),
            255 => (ReadBigEndian(input, 4), false),
            _ => (1L << (first & 0x1F), true),
        };
    }

    /// <summary>The whole body of a packet with a definite length (small packets: session keys, markers).</summary>
    public static byte[] ReadDefiniteBody(Stream input, OpenPgpPacketHeader header)
    {
        if (header.Partial || header.Indeterminate || header.Length > 1 << 16)
            throw new InvalidDataException($"packet {header.Tag} has an unexpected length");
        var body = new byte[header.Length];
        input.ReadExactly(body);
        return body;
    }

    public static int ReadByteOrFail(Stream input) =>
        input.ReadByte() is var value and >= 0 ? value : throw new EndOfStreamException("the OpenPGP message ends early");

    private static long ReadBigEndian(Stream input, int bytes)
    {
        long value = 0;
        for (var i = 0; i < bytes; i++) value = (value << 8) | (uint)ReadByteOrFail(input);
        return value;
    }
}

/// <summary>The body of one packet as a stream, across partial-length chunks; it ends where the body does.</summary>
internal sealed class OpenPgpPacketBodyStream(Stream input, OpenPgpPacketHeader header) : IO.ReadOnlyStream
{
    private long _left = header.Length;
    private bool _partial = header.Partial;
    private readonly bool _indeterminate = header.Indeterminate;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_indeterminate) return input.Read(buffer);
        while (_left == 0)
        {
            if (!_partial) return 0;
            (_left, _partial) = OpenPgpPacketReader.ReadNewFormatLength(input);
        }
        var read = input.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        if (read == 0) throw new EndOfStreamException("the OpenPGP message ends inside a packet");
        _left -= read;
        return read;
    }
}
